//! Words of the messages the shop sends (e-mail, SMS), of the password-reset and e-mail
//! verification pages, and of the demo mailbox, as (French, Arabic, English).

/// The words of `key`, if this part has it.
pub(super) fn get(key: &str) -> Option<(&'static str, &'static str, &'static str)> {
    Some(match key {
        "mailbox" => ("Boîte des messages", "صندوق الرسائل", "Mailbox"),
        "mailbox_note" => (
            "Mode démo sans serveur d'e-mail : voici les messages que la boutique aurait envoyés, les plus récents d'abord (les 200 derniers, effacés au redémarrage).",
            "وضع تجريبي دون خادم بريد: هذه هي الرسائل التي كان المتجر سيرسلها، الأحدث أولا (آخر 200 رسالة، تُمحى عند إعادة التشغيل).",
            "Demo mode without an e-mail server: here are the messages the shop would have sent, newest first (the last 200, cleared at restart).",
        ),
        "mailbox_empty" => (
            "Aucun message pour l'instant. Passez une commande ou demandez un nouveau mot de passe pour en voir un.",
            "لا توجد رسائل بعد. قم بطلب أو اطلب كلمة سر جديدة لترى رسالة.",
            "No message yet. Place an order or ask for a new password to see one.",
        ),
        "mailbox_off" => (
            "Les e-mails partent par le serveur SMTP configuré (--smtp-url) : la boîte de démonstration n'est utilisée qu'en mode démo sans SMTP.",
            "تُرسل الرسائل عبر خادم SMTP المُعدّ (--smtp-url): صندوق العرض لا يُستعمل إلا في الوضع التجريبي دون SMTP.",
            "E-mails go out through the configured SMTP server (--smtp-url): the demo mailbox is only used in demo mode without SMTP.",
        ),
        "mailbox_to" => ("À", "إلى", "To"),
        "mailbox_back" => (
            "Retour à l'administration",
            "العودة إلى الإدارة",
            "Back to administration",
        ),
        "mailbox_admin_only" => (
            "Cette page est réservée aux administrateurs. Connectez-vous avec un compte administrateur.",
            "هذه الصفحة مخصصة للمسيرين. سجّل الدخول بحساب مسير.",
            "This page is for administrators. Log in with an administrator account.",
        ),
        "forgot_link" => (
            "Mot de passe oublié ?",
            "نسيت كلمة السر؟",
            "Forgot your password?",
        ),
        "forgot_title" => (
            "Mot de passe oublié",
            "نسيت كلمة السر",
            "Forgot your password",
        ),
        "forgot_intro" => (
            "Indiquez l'adresse e-mail de votre compte : nous vous envoyons un lien pour choisir un nouveau mot de passe.",
            "أدخل البريد الإلكتروني لحسابك: سنرسل إليك رابطا لاختيار كلمة سر جديدة.",
            "Enter your account's e-mail address: we send you a link to choose a new password.",
        ),
        "forgot_button" => ("Recevoir le lien", "أرسل لي الرابط", "Send me the link"),
        "forgot_sent_title" => (
            "Regardez vos e-mails",
            "تفقد بريدك الإلكتروني",
            "Check your e-mail",
        ),
        "forgot_sent" => (
            "Si un compte utilise cette adresse, un lien vient de lui être envoyé. Il marche une seule fois, pendant 30 minutes. Pensez à regarder dans les courriers indésirables.",
            "إذا كان هناك حساب بهذا العنوان، فقد أرسلنا إليه رابطا الآن. الرابط صالح لمرة واحدة لمدة 30 دقيقة. تفقد أيضا مجلد الرسائل غير المرغوب فيها.",
            "If an account uses this address, a link was just sent to it. It works once, for 30 minutes. Look in your spam folder too.",
        ),
        "forgot_throttled" => (
            "Trop de demandes depuis votre connexion. Attendez une heure, puis redemandez un lien ; le dernier lien reçu marche toujours pendant 30 minutes.",
            "طلبات كثيرة من اتصالك. انتظر ساعة ثم اطلب رابطا جديدا؛ آخر رابط وصلك يبقى صالحا لمدة 30 دقيقة.",
            "Too many asks from your connection. Wait an hour, then ask for a link again; the last link you got still works for 30 minutes.",
        ),
        "forgot_again" => (
            "Rien reçu ? Redemander un lien",
            "لم يصلك شيء؟ اطلب رابطا جديدا",
            "Nothing came? Ask for a new link",
        ),
        "bad_email" => (
            "Cette adresse e-mail n'est pas valide. Vérifiez-la (exemple : nom@exemple.ma) et recommencez.",
            "عنوان البريد الإلكتروني غير صالح. تحقق منه (مثال: name@example.ma) وأعد المحاولة.",
            "This e-mail address is not valid. Check it (for example name@example.ma) and try again.",
        ),
        "reset_title" => ("Nouveau mot de passe", "كلمة سر جديدة", "New password"),
        "reset_intro" => (
            "Choisissez votre nouveau mot de passe : 8 caractères au moins.",
            "اختر كلمة السر الجديدة: 8 أحرف على الأقل.",
            "Choose your new password: at least 8 characters.",
        ),
        "reset_for" => ("Pour le compte", "للحساب", "For the account"),
        "new_password" => ("Nouveau mot de passe", "كلمة السر الجديدة", "New password"),
        "reset_button" => (
            "Enregistrer le mot de passe",
            "حفظ كلمة السر",
            "Save the password",
        ),
        "reset_short" => (
            "Ce mot de passe est trop court : choisissez-en un de 8 caractères au moins.",
            "كلمة السر هذه قصيرة جدا: اختر كلمة من 8 أحرف على الأقل.",
            "This password is too short: choose one of at least 8 characters.",
        ),
        "reset_busy" => (
            "Le serveur est très occupé. Attendez quelques secondes et renvoyez le formulaire.",
            "الخادم مشغول جدا. انتظر بضع ثوان وأعد إرسال الاستمارة.",
            "The server is very busy. Wait a few seconds and send the form again.",
        ),
        "reset_done_title" => (
            "Mot de passe changé",
            "تم تغيير كلمة السر",
            "Password changed",
        ),
        "reset_done" => (
            "Votre nouveau mot de passe est enregistré. Par sécurité, vos autres connexions sont fermées. Connectez-vous maintenant.",
            "تم حفظ كلمة السر الجديدة. للأمان، أُغلقت جلساتك الأخرى. سجّل الدخول الآن.",
            "Your new password is saved. For safety, your other sessions are closed. Log in now.",
        ),
        "login_now" => ("Se connecter", "تسجيل الدخول", "Log in"),
        "link_unknown" => (
            "Ce lien ne marche pas : il est incomplet, ou un lien plus récent l'a remplacé. Utilisez le dernier e-mail reçu, ou demandez un nouveau lien.",
            "هذا الرابط لا يعمل: إما أنه ناقص أو حل محله رابط أحدث. استعمل آخر رسالة وصلتك أو اطلب رابطا جديدا.",
            "This link does not work: it is incomplete, or a newer link replaced it. Use the latest e-mail you got, or ask for a new link.",
        ),
        "link_expired" => (
            "Ce lien a expiré. Demandez-en un nouveau : il arrive en quelques instants.",
            "انتهت صلاحية هذا الرابط. اطلب رابطا جديدا: سيصلك خلال لحظات.",
            "This link has expired. Ask for a new one: it arrives in a few moments.",
        ),
        "link_used" => (
            "Ce lien a déjà servi. Si vous n'avez pas changé votre mot de passe vous-même, demandez un nouveau lien.",
            "سبق استعمال هذا الرابط. إذا لم تغير كلمة سرك بنفسك، اطلب رابطا جديدا.",
            "This link was used already. If you did not change your password yourself, ask for a new link.",
        ),
        "ask_new_link" => (
            "Demander un nouveau lien",
            "اطلب رابطا جديدا",
            "Ask for a new link",
        ),
        "verify_title" => (
            "Adresse e-mail confirmée",
            "تم تأكيد البريد الإلكتروني",
            "E-mail address confirmed",
        ),
        "verify_done" => (
            "Merci : votre adresse e-mail est confirmée.",
            "شكرا: تم تأكيد بريدك الإلكتروني.",
            "Thank you: your e-mail address is confirmed.",
        ),
        "verify_attached" => (
            "Commandes passées sans compte avec cette adresse, ajoutées à votre compte :",
            "الطلبات التي قمت بها دون حساب بهذا العنوان وأُضيفت إلى حسابك:",
            "Orders placed without an account with this address, added to your account:",
        ),
        "see_my_orders" => ("Voir mes commandes", "اطلع على طلباتي", "See my orders"),
        "verify_used" => (
            "Ce lien a déjà servi : votre adresse est sans doute déjà confirmée. Ouvrez votre compte pour le voir.",
            "سبق استعمال هذا الرابط: عنوانك مؤكد على الأرجح. افتح حسابك للتحقق.",
            "This link was used already: your address is probably confirmed. Open your account to see.",
        ),
        "verify_unknown" => (
            "Ce lien ne marche pas : il est incomplet, ou un lien plus récent l'a remplacé. Connectez-vous et demandez un nouveau lien depuis votre compte.",
            "هذا الرابط لا يعمل: إما أنه ناقص أو حل محله رابط أحدث. سجّل الدخول واطلب رابطا جديدا من حسابك.",
            "This link does not work: it is incomplete, or a newer link replaced it. Log in and ask for a new link from your account.",
        ),
        "verify_expired" => (
            "Ce lien a expiré. Connectez-vous et demandez un nouveau lien depuis votre compte.",
            "انتهت صلاحية هذا الرابط. سجّل الدخول واطلب رابطا جديدا من حسابك.",
            "This link has expired. Log in and ask for a new link from your account.",
        ),
        "verify_send" => (
            "Confirmer mon adresse e-mail",
            "تأكيد بريدي الإلكتروني",
            "Confirm my e-mail address",
        ),
        "verify_sent" => (
            "Un lien de confirmation vient d'être envoyé à",
            "أرسلنا للتو رابط التأكيد إلى",
            "A confirmation link was just sent to",
        ),
        "verify_already" => (
            "Votre adresse e-mail est déjà confirmée.",
            "بريدك الإلكتروني مؤكد من قبل.",
            "Your e-mail address is already confirmed.",
        ),
        "back_account" => (
            "Retour à mon compte",
            "العودة إلى حسابي",
            "Back to my account",
        ),
        _ => return None,
    })
}
