app-name = Atende
language-switch = Language

home-title = Welcome
home-tagline = The helpdesk for teams that talk to customers on WhatsApp and e-mail.
home-intro = Conversations, replies, notes, labels, automation and SLAs in one fast inbox.
home-sign-in = Sign in
home-greeting = Hello, { $name }!

error-back-home = Back to the start page
error-not-found-title = Page not found
error-not-found-message = The page you asked for does not exist or was moved.
error-forbidden-title = Not allowed
error-forbidden-message = Your role does not allow you to open this page. Ask an administrator if you need it.
error-internal-title = Something went wrong
error-internal-message = The error was recorded. Try again in a moment.
error-bad-request-title = Invalid request
error-busy-title = Too many requests
error-busy-message = This account reached its limit for the minute. Wait a moment and try again.

nav-label = Main
nav-home = Home
nav-profile = Profile
nav-settings = Settings
nav-settings-account = Account
nav-settings-agents = Agents
nav-settings-custom-roles = Custom roles
nav-switch-account = Switch account
nav-sign-out = Sign out

login-title = Sign in
login-subtitle = Sign in to your helpdesk.
login-email = E-mail
login-password = Password
login-submit = Sign in
login-invalid = Invalid e-mail or password.
login-throttled = Too many failed sign-in attempts. Try again in { $minutes ->
    [one] 1 minute
   *[other] { $minutes } minutes
}.

app-home-greeting = Hello, { $name }!
app-home-account = You are working in { $account }.
no-accounts-title = No account yet
no-accounts-message = Your user does not belong to any active account. Ask an administrator to add you.
account-suspended-title = Account suspended
account-suspended-message = This account is suspended. Its data is kept, but nobody can use it until it is reactivated. Contact the operator of this Atende installation.
account-suspended-short = suspended
