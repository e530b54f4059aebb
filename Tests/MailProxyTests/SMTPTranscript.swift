/// The message SMTP relay session transcripts send: C: the client, S: the server, A: the appliance.
enum SMTPTranscript {
    static let message = "From: Alice <alice@example.com>\r\nTo: bob@example.net\r\nSubject: hello\r\n\r\nHi Bob.\r\n.dot line\r\n"
    /// `message` as it crosses the wire: dot-stuffed, with its terminator.
    static let stuffed = "From: Alice <alice@example.com>\r\nTo: bob@example.net\r\nSubject: hello\r\n\r\nHi Bob.\r\n..dot line\r\n.\r\n"
    static let dataReply = "354 End data with <CR><LF>.<CR><LF>\r\n"
}
