fn main() {
    backoffice::start();
}
