//! Words of the messages the shop sends (e-mail, SMS) and of the demo mailbox, as (French,
//! Arabic, English).

/// The words of `key`, if this part has it.
pub(super) fn get(key: &str) -> Option<(&'static str, &'static str, &'static str)> {
    Some(match key {
        "mailbox" => ("Boîte des messages", "صندوق الرسائل", "Mailbox"),
        _ => return None,
    })
}
