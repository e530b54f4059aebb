import Telemetry

extension Decision {
    /// What was done with the message, in `/metrics`' terms (`mailsec_actions_total`), for the
    /// recent-mail list: an over-size message is `reject` when refused (552), else `pass`.
    public var disposition: MailDisposition {
        switch action {
        case .relayUnchanged, .relayUnscanned: .pass
        case .tagSubject: .tag
        case .addWhiteListHeader: .header
        case .reject, .sizeReject: .reject
        case .transfer: .transfer
        case .tempfail: .tempfail
        }
    }

    /// The size an over-size decision names (its log line carries it); nil otherwise.
    public var overSizeOctets: Int? {
        for case .sizeOver(_, let octets) in logs { return octets }
        return nil
    }
}
