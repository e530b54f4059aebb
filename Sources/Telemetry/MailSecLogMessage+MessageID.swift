extension MailSecLogMessage {
    /// RFC 5424 §6.2.7 MSGID: a stable name of the catalogue entry (the case name), so a
    /// collector can filter on the kind of event without parsing the text.
    public var messageID: String {
        switch self {
        case .detectSpam: "detectSpam"
        case .detectVirus: "detectVirus"
        case .detectSpamAndVirus: "detectSpamAndVirus"
        case .mailSizeOver: "mailSizeOver"
        case .cannotScan: "cannotScan"
        case .whiteListMatch: "whiteListMatch"
        case .whiteListSetEnabled: "whiteListSetEnabled"
        case .rejectInactiveLicense: "rejectInactiveLicense"
        case .rejectYSCFailure: "rejectYSCFailure"
        case .monitorDetection: "monitorDetection"
        case .monitorCannotScan: "monitorCannotScan"
        case .yscConnect: "yscConnect"
        case .yscTLSError: "yscTLSError"
        case .yscConnectFailed: "yscConnectFailed"
        case .yscReadError: "yscReadError"
        case .noSuchDomainName: "noSuchDomainName"
        case .tooManyConnections: "tooManyConnections"
        case .tooManyErrors: "tooManyErrors"
        case .uninspectedSessions: "uninspectedSessions"
        case .tlsOutcome: "tlsOutcome"
        case .clientTimeout: "clientTimeout"
        }
    }
}
