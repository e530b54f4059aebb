// MailProxy: see ARCHITECTURE.md.
