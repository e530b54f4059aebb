/// The settings of encrypted-mail inspection (CommandTable+TLS.swift) as the relay reads them,
/// and the two list commands' storage: one entry per exempt host and one per server address,
/// so `show config` writes one short line each (a list on one line could outgrow
/// `CommandLimits.maxLineLength` and no longer load).
extension Configuration {
    /// `mail security port tls smtp`: implicit-TLS SMTP ports. Default 465 (RFC 8314 §7.3).
    public var smtpsPorts: [Int] { entered(.mailSecurityPortSMTPS)?.compactMap(Int.init) ?? [465] }
    /// `mail security port tls pop`: implicit-TLS POP3 ports. Default 995 (RFC 8314 §7.3).
    public var pop3sPorts: [Int] { entered(.mailSecurityPortPOP3S)?.compactMap(Int.init) ?? [995] }
    /// `mail security tls smtp`. Default inspect.
    public var smtpTLSMode: TLSMode { tlsMode(.mailSecuritySMTPTLS) }
    /// `mail security tls pop`. Default inspect.
    public var pop3TLSMode: TLSMode { tlsMode(.mailSecurityPOP3TLS) }
    /// `mail security tls upstream-invalid`. Default untrusted-ca.
    public var tlsUpstreamInvalid: TLSUpstreamInvalidAction {
        entered(.mailSecurityTLSUpstreamInvalid)?.first.flatMap(TLSUpstreamInvalidAction.init(rawValue:)) ?? .untrustedCA
    }
    /// `mail security tls upstream-ca`: a PEM file of extra trust anchors; nil when not set.
    public var tlsUpstreamCAFile: String? { entered(.mailSecurityTLSUpstreamCA)?.first }
    /// `mail security tls exempt`, in `show config` order (`TLSExemptEntry.isExempt` matches a session).
    public var tlsExempt: [TLSExemptEntry] {
        keyed(.mailSecurityTLSExempt).compactMap { $0.first.flatMap(TLSExemptEntry.init(word:)) }
    }
    /// `mail security tls server-certificate`, by address text.
    public var tlsServerCertificates: [TLSServerCertificate] {
        keyed(.mailSecurityTLSServerCertificate).compactMap { words in
            guard words.count == 3, let address = HTTPDHost.addressBytes(words[0]) else { return nil }
            return TLSServerCertificate(address: address, host: words[0], certificateFile: words[1], keyFile: words[2])
        }
    }

    /// The entries of a command keyed by its first word, in `show config` order.
    private func keyed(_ command: CommandID) -> [[String]] {
        entries.filter { $0.key.command == command }.sorted { $0.key < $1.key }.map(\.value)
    }

    private func tlsMode(_ command: CommandID) -> TLSMode {
        entered(command)?.first.flatMap(TLSMode.init(rawValue:)) ?? .inspect
    }

    /// Stores the two list commands; nil for every other command (stored the ordinary way).
    mutating func storeTLSEntry(_ command: CommandID, _ words: [String]) -> Result<Void, CommandError>? {
        switch command {
        case .mailSecurityTLSExempt:
            let keys = Set(words.map { EntryKey(command: command, index: 0, name: $0) })
            let present = entries.keys.filter { $0.command == command }
            guard Set(present).union(keys).count <= CommandLimits.maxTLSExempt else { return .failure(.tooManyEntries) }
            for key in keys { entries[key] = [key.name] }
            return .success(())
        case .mailSecurityTLSServerCertificate:
            let key = EntryKey(command: command, index: 0, name: words[0])
            let others = entries.keys.filter { $0.command == command && $0 != key }.count
            guard others < CommandLimits.maxTLSServerCertificates else { return .failure(.tooManyEntries) }
            entries[key] = words
            return .success(())
        default:
            return nil
        }
    }

    /// `no` of the two list commands: `no … exempt` empties the list, `no … exempt HOST …`
    /// removes those entries; `no … server-certificate HOST` removes that server's entry (the
    /// file words after it are ignored). nil for every other command.
    mutating func removeTLSEntry(_ command: CommandID, _ words: [String]) -> Result<Void, CommandError>? {
        switch command {
        case .mailSecurityTLSExempt:
            var names: [String] = []
            for word in words {
                guard let entry = TLSExemptEntry(word: word) else { return .failure(.illegalAddress) }
                names.append(entry.canonical)
            }
            for key in entries.keys where key.command == command && (names.isEmpty || names.contains(key.name)) {
                entries[key] = nil
            }
            return .success(())
        case .mailSecurityTLSServerCertificate:
            guard let word = words.first else { return .failure(.wrongParameterCount) }
            guard let host = AddressText.canonical(word) else { return .failure(.illegalAddress) }
            entries[EntryKey(command: command, index: 0, name: host)] = nil
            return .success(())
        default:
            return nil
        }
    }
}
