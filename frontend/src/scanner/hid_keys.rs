//! Decodes a HID scanner in keyboard-emulation mode: boot-keyboard input reports (byte 0 the modifiers,
//! byte 1 reserved, bytes 2–7 the usage ids of the keys down), a US layout as scanners ship with. A key
//! counts when it goes down; Enter or Tab (the scanner's suffix) ends the code.

/// The Generic Desktop page and its Keyboard usage: the filter that offers keyboard-emulation scanners.
pub const GENERIC_DESKTOP: u16 = 0x01;
pub const KEYBOARD: u16 = 0x06;

const LEFT_SHIFT: u8 = 0x02;
const RIGHT_SHIFT: u8 = 0x20;
const ENTER: u8 = 0x28;
const TAB: u8 = 0x2B;
const KEYPAD_ENTER: u8 = 0x58;

#[derive(Default, Debug)]
pub struct HidKeys {
    down: Vec<u8>,
    buf: String,
}

impl HidKeys {
    /// Feeds one input report; returns the code when its suffix key goes down.
    pub fn report(&mut self, data: &[u8]) -> Option<String> {
        let modifiers = data.first().copied().unwrap_or(0);
        let shift = modifiers & (LEFT_SHIFT | RIGHT_SHIFT) != 0;
        // 0 is "no key", 1–3 are error states (rollover): neither is a key press.
        let now: Vec<u8> = data.get(2..).unwrap_or_default().iter().copied().filter(|&k| k > 3).collect();
        let mut code = None;
        for &key in now.iter().filter(|k| !self.down.contains(k)) {
            match key {
                ENTER | TAB | KEYPAD_ENTER => {
                    let text = std::mem::take(&mut self.buf);
                    if !text.is_empty() {
                        code = Some(text);
                    }
                }
                _ => self.buf.extend(char_of(key, shift)),
            }
        }
        self.down = now;
        code
    }
}

/// The character a usage id types on a US keyboard, with or without Shift.
pub fn char_of(usage: u8, shift: bool) -> Option<char> {
    let pick = |plain: char, shifted: char| Some(if shift { shifted } else { plain });
    match usage {
        0x04..=0x1D => {
            let c = char::from(b'a' + (usage - 0x04));
            Some(if shift { c.to_ascii_uppercase() } else { c })
        }
        0x1E..=0x26 => pick(char::from(b'1' + (usage - 0x1E)), b"!@#$%^&*("[usize::from(usage - 0x1E)].into()),
        0x27 => pick('0', ')'),
        0x2C => Some(' '),
        0x2D => pick('-', '_'),
        0x2E => pick('=', '+'),
        0x2F => pick('[', '{'),
        0x30 => pick(']', '}'),
        0x31 => pick('\\', '|'),
        0x33 => pick(';', ':'),
        0x34 => pick('\'', '"'),
        0x35 => pick('`', '~'),
        0x36 => pick(',', '<'),
        0x37 => pick('.', '>'),
        0x38 => pick('/', '?'),
        // The keypad, which some scanners use for digits.
        0x54 => Some('/'),
        0x55 => Some('*'),
        0x56 => Some('-'),
        0x57 => Some('+'),
        0x59..=0x61 => Some(char::from(b'1' + (usage - 0x59))),
        0x62 => Some('0'),
        0x63 => Some('.'),
        _ => None,
    }
}
