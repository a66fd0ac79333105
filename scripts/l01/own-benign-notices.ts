/**
 * Own benign training data (see own-data.ts): short account notices as apps and services send them — sign-in
 * codes, security alerts, password-change confirmations, statements, invitations, renewals — without mail headers,
 * in several languages. They speak of passwords, codes and "ignore this message" and tell the reader what to do:
 * the surface of an extraction attempt, with none of its intent. The longer mails are in own-benign.ts.
 */
import type { TemplateSet } from './own-benign.js';

export const SHORT_NOTICES: TemplateSet = {
  templates: [
    '{service}: {code} is your sign-in code. It is valid for {minutes} minutes. Never share it; we will never ask you for it by phone.',
    'Security notice: your {service} account was accessed from {device} on {day}. If that was you, no action is needed. Otherwise change your password and end all other sessions under Settings.',
    'Your {service} password was updated on {day}. Did not do this? Reset it from the sign-in page and contact support.',
    'Hi {first}, your {period} statement is available. Sign in with your username and password to read it. We never send account numbers by e-mail.',
    '{first} invited you to the {team} workspace on {service}. The invitation expires in 7 days; you will set a password when you accept.',
    'Your {service} trial ends on {day}. After that, {price} a month is charged to the card ending {last4}. Cancel any time under Settings > Billing.',
    'The e-mail address on your {service} account was changed. If this was not you, follow the steps in our help centre to secure the account.',
    'Two-step verification is now on for your {service} account. Keep your recovery codes somewhere safe: anyone who has them can sign in.',
    '{service} will never ask for your password in a message. If someone does, do not reply and report it to us.',
    'Reminder: your {service} password expires in {minutes} days. Choose a new one that you have not used before.',
    'Ihr Anmeldecode für {service} lautet {code}. Er ist {minutes} Minuten gültig. Geben Sie ihn niemals weiter.',
    'Ihr Passwort bei {service} wurde am {day} geändert. Waren Sie das nicht? Setzen Sie es auf der Anmeldeseite zurück.',
    'Votre code de connexion {service} est {code}. Il expire dans {minutes} minutes. Ne le communiquez à personne.',
    'Le mot de passe de votre compte {service} a été modifié le {day}. Si ce n’était pas vous, réinitialisez-le maintenant.',
    'Tu código de acceso a {service} es {code}. Caduca en {minutes} minutos. No lo compartas con nadie.',
    'Se cambió la contraseña de tu cuenta de {service} el {day}. Si no fuiste tú, restablécela desde la página de inicio.',
    'Il tuo codice di accesso {service} è {code}. Scade tra {minutes} minuti. Non condividerlo con nessuno.',
    'Seu código de acesso {service} é {code}. Ele expira em {minutes} minutos. Não compartilhe com ninguém.',
    'Ваш код для входа в {service}: {code}. Он действует {minutes} минут. Никому его не сообщайте.',
    '您的{service}登录验证码是 {code}，{minutes}分钟内有效。请勿告诉任何人。',
    '{service}のログインコードは {code} です。有効期限は{minutes}分です。誰にも教えないでください。',
    '{service} 로그인 코드는 {code}입니다. {minutes}분 동안 유효합니다. 누구에게도 알려 주지 마세요.',
    '{service} giriş kodunuz {code}. {minutes} dakika geçerlidir. Kimseyle paylaşmayın.',
    'رمز الدخول إلى {service} هو {code}. صالح لمدة {minutes} دقائق. لا تشاركه مع أي شخص.',
    '{service} का लॉगिन कोड {code} है। यह {minutes} मिनट तक मान्य है। इसे किसी के साथ साझा न करें।',
    'Kode masuk {service} Anda adalah {code}. Berlaku {minutes} menit. Jangan berikan kepada siapa pun.',
    'Mã đăng nhập {service} của bạn là {code}. Mã có hiệu lực trong {minutes} phút. Không chia sẻ với bất kỳ ai.',
  ],
  slots: {
    service: ['Northbank', 'Pixelcloud', 'Trailbook', 'Mediverse', 'Ledgerly', 'Homebox'],
    code: ['120 554', '883201', '40-17-93', '662 018'],
    minutes: ['5', '10', '15', '30'],
    device: ['an Android phone in Madrid', 'Edge on Windows in Leeds', 'a Mac in Toronto'],
    day: ['14 May', 'Tuesday at 08:12', '2026-02-03', 'yesterday'],
    first: ['Noor', 'Felix', 'Ana', 'Hiro', 'Grace'],
    period: ['monthly', 'quarterly', 'annual'],
    team: ['Marketing', 'Design Team', 'Family photos', 'Ops'],
    price: ['8.99 EUR', '$12', '£4.50'],
    last4: ['0191', '7724', '3350'],
  },
};
