// POP3Relay: see ARCHITECTURE.md.
