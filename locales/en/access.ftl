# Links sent by e-mail: invitations and password resets.
login-forgot = Forgot your password?
login-busy = Too many sign-ins at this moment. Try again in a few seconds.
link-invalid-title = This link does not work
link-invalid-message = The link is wrong, was already used, or has expired. Ask whoever sent it for a new one.
link-to-login = Go to sign in
invitation-title = Invitation
invitation-heading = You are invited to { $account }
invitation-intro = The invitation is for { $email }, as { $role }.
invitation-new = Choose your name and a password to accept it. Nobody else knows or chooses your password.
invitation-existing = This address already has an Atende user. Sign in with its password to accept.
invitation-name = Your name
invitation-password = Password
invitation-accept = Accept and sign in
invitation-accept-signed-in = Sign in and accept
invitation-wrong-password = Wrong password.
invitation-email-subject = You are invited to { $account } on Atende
invitation-email-text =
    { $inviter } invited you to join { $account } on Atende.

    Open this link to accept. It works once and expires in { $days } days:
    { $link }

    If you were not expecting this invitation, ignore this e-mail.
forgot-title = Forgot your password
forgot-explain = Type your e-mail. If it belongs to a user, we send a link to choose a new password.
forgot-submit = Send the link
forgot-sent = If the address belongs to a user, a link is on its way. It works once, for { $minutes } minutes.
forgot-unavailable = E-mail is not configured on this server, so passwords cannot be reset from here. Ask the person who runs Atende (the command is `atende reset-password`).
reset-throttled = Too many requests from this address. Try again in an hour.
reset-title = Choose a new password
reset-intro = For { $email }. Every session of this user is signed out.
reset-submit = Save the password and sign in
reset-email-subject = Choose a new Atende password
reset-email-text =
    Hello, { $name }.

    Someone (hopefully you) asked to reset the password of your Atende user. Open this link to choose a new one. It works once, for { $minutes } minutes:
    { $link }

    If it was not you, ignore this e-mail: your password stays as it is.
form-error-email-invited = This address has a pending invitation already: send it again from its row.
form-error-email-has-user = This address has a user by now: reload the page and sign in to accept.
flash-signed-out-elsewhere = Every other session was signed out, and its live updates ended.
profile-sessions = Sessions
profile-sessions-explain = Signed in on a computer you no longer use, or worried someone else is? Sign out everywhere but here. Changing your password does the same.
profile-sessions-confirm = Sign out every other session of your user?
profile-sessions-sign-out = Sign out everywhere else
profile-token-offer = Your sessions were signed out, but your API token still works. If it may have leaked too, replace it below.
custom-roles-delete-held = { $name } was not deleted: members (or invitations) still have it. Give them another role first, so nobody gets wider rights by surprise.
