import ApplianceConfig
import Foundation
import Testing
import Telemetry
@testable import WebConsole

@Suite struct HostGateTests {
    static func bytes(_ text: String) -> [UInt8] { HTTPDHost.addressBytes(text)! }

    @Test(arguments: [
        ("192.0.2.5", true), ("192.0.2.64", false), ("198.51.100.7", true), ("198.51.100.8", false),
        ("2001:db8::10", true), ("2001:db8::11", false), ("::ffff:192.0.2.6", true), ("127.0.0.1", false),
        ("203.0.113.200", true), ("203.0.114.1", false),
    ])
    func hostsRangesAndLan1(address: String, allowed: Bool) {
        let gate = HostGate(hosts: ["192.0.2.1-192.0.2.63", "198.51.100.7", "2001:db8::10", "lan1"].compactMap(HTTPDHost.init(word:)),
                            lan1Networks: [IPNetwork(address: Self.bytes("203.0.113.0"), prefixLength: 24)])
        #expect(gate.allows(Self.bytes(address)) == allowed)
    }

    @Test func defaultIsNobodyNoneIsNobodyAnyIsEverybody() {
        #expect(!HostGate(hosts: nil).allows(Self.bytes("192.0.2.1")))
        #expect(!HostGate(hosts: [.none]).allows(Self.bytes("192.0.2.1")))
        #expect(HostGate(hosts: [.any]).allows(Self.bytes("2001:db8::1")))
        #expect(!HostGate(hosts: [.lan1]).allows(Self.bytes("192.0.2.1")))
    }

    @Test func httpListenLetsTheLocalHostIn() {
        let gate = HostGate(hosts: nil, allowsLocalHost: true)
        #expect(gate.allows(Self.bytes("127.0.0.1")) && gate.allows(Self.bytes("::1")) && gate.allows(Self.bytes("::ffff:127.0.0.1")))
        #expect(!gate.allows(Self.bytes("192.0.2.1")))
    }

    @Test func networkPrefixes() {
        let net = IPNetwork(address: Self.bytes("2001:db8:1::"), prefixLength: 48)
        #expect(net.contains(Self.bytes("2001:db8:1:ffff::1")) && !net.contains(Self.bytes("2001:db8:2::1")))
        #expect(IPNetwork(address: Self.bytes("192.0.2.128"), prefixLength: 25).contains(Self.bytes("192.0.2.200")))
        #expect(!IPNetwork(address: Self.bytes("192.0.2.128"), prefixLength: 25).contains(Self.bytes("192.0.2.100")))
    }
}

@Suite struct LoginAndSessionTests {
    @Test func failuresBeyondTheLimitAreRefusedUntilTheWindowPasses() {
        var throttle = LoginThrottle(limit: 3, window: 60)
        for t in 0..<3 {
            let may = throttle.mayTry("192.0.2.1", now: Double(t))
            #expect(may)
            throttle.recordFailure("192.0.2.1", now: Double(t))
        }
        let blocked = !throttle.mayTry("192.0.2.1", now: 10)
        let otherPeer = throttle.mayTry("192.0.2.2", now: 10)
        let later = throttle.mayTry("192.0.2.1", now: 60.5)
        #expect(blocked && otherPeer && later)
        throttle.recordSuccess("192.0.2.1")
        #expect(throttle.rememberedPeers == 0)
    }

    @Test func throttleMemoryIsBounded() {
        var throttle = LoginThrottle(limit: 3, window: 60, maximumPeers: 10)
        for n in 0..<100 { throttle.recordFailure("peer\(n)", now: Double(n)) }
        #expect(throttle.rememberedPeers == 10)
    }

    @Test func sessionsExpireAreBoundedAndCarryACSRFToken() {
        var book = SessionBook(idleSeconds: 100, maximumSessions: 2)
        var generator = SystemRandomNumberGenerator()
        let a = book.open(peer: "p", now: 0, using: &generator)
        let session = book.use(a, now: 50)
        #expect(session != nil && session!.csrfToken.count == 64 && session!.csrfToken != a)
        let stillThere = book.use(a, now: 149)
        let expired = book.use(a, now: 250)
        #expect(stillThere != nil && expired == nil)
        _ = book.open(peer: "p", now: 300, using: &generator)
        _ = book.open(peer: "p", now: 301, using: &generator)
        _ = book.open(peer: "p", now: 302, using: &generator)
        #expect(book.count == 2)
        let none = book.use(nil, now: 302)
        let forged = book.use("forged", now: 302)
        #expect(none == nil && forged == nil)
        #expect(SessionBook.tokensMatch("abc", "abc") && !SessionBook.tokensMatch("abc", "abd") && !SessionBook.tokensMatch("abc", "ab"))
    }
}

@Suite struct FormAndLanguageTests {
    @Test func formFieldsDecode() {
        #expect(FormFields.parse("a=1&b=x+y%21&c=%E3%81%82&d&a=2&e=%zz") == ["a": "1", "b": "x y!", "c": "あ", "d": "", "e": "%zz"])
    }

    @Test(arguments: [
        (nil, Language.en), ("ja", .ja), ("ja-JP,ja;q=0.9,en;q=0.8", .ja), ("en-US,en;q=0.9,ja;q=0.8", .en),
        ("fr-FR,ja;q=0.5", .ja), ("de", .en), ("en;q=0.1, ja;q=0.7", .ja), ("ja;q=0", .en),
    ])
    func languageFollowsAcceptLanguage(header: String?, language: Language) {
        #expect(Language.pick(acceptLanguage: header) == language)
    }
}

@Suite struct SettingsFormTests {
    @Test func formsBecomeConsoleLines() {
        #expect(SettingsPage.line(fields: ["command": "mail security smtp size overflow", "op": "set", "value": "reject"])
                == "mail security smtp size overflow reject")
        #expect(SettingsPage.line(fields: ["command": "mail security smtp size overflow", "op": "no"])
                == "no mail security smtp size overflow")
        #expect(SettingsPage.line(fields: ["command": "mail security prefix spam", "op": "set", "value": "[SPAM MAIL]"])
                == "mail security prefix spam \"[SPAM MAIL]\"")
        #expect(SettingsPage.line(fields: ["command": "mail security port smtp", "op": "set", "value": "25 587"])
                == "mail security port smtp 25 587")
        #expect(SettingsPage.line(fields: ["line": "mail security white-list set 1 1 2"]) == "mail security white-list set 1 1 2")
        #expect(SettingsPage.line(fields: ["command": "save"]) == nil)
        #expect(SettingsPage.line(fields: ["command": "administrator password", "value": "x"]) == nil)
    }

    @Test func selectsShowTheValueInForce() {
        var config = Configuration()
        var page = SettingsPage.render(configuration: config, outcome: nil, strings: .for(.en), csrf: "t")
        // Not entered: the default (syslog facility user, debug off) is the one selected.
        #expect(page.contains("<option selected>user</option>") && page.contains("id=\"value-syslog-debug\"><option>on</option><option selected>off</option>"))
        _ = config.execute("mail security smtp detect illegal mail reject")
        page = SettingsPage.render(configuration: config, outcome: nil, strings: .for(.en), csrf: "t")
        #expect(page.contains("id=\"value-mail-security-smtp-detect-spam-mail\"><option>pass</option><option>transfer</option><option selected>reject</option>"))
    }

    @Test func passwordsNeverShownOrLogged() {
        #expect(SettingsPage.redacted("administrator password \"s3cret pass\"") == "administrator password ********")
        #expect(SettingsPage.redacted("adm pass s3cret") == "adm pass ********")
        #expect(SettingsPage.redacted("mail security use on") == "mail security use on")
    }

    @Test func everyFormSettingRunsThroughTheCommandTable() {
        // Each form's own default line must be a command the console accepts.
        for setting in SettingsPage.formSettings() {
            var config = Configuration()
            let line = SettingsPage.line(fields: ["command": setting.command, "op": "no"])!
            #expect(config.execute(line) == .success(.configured([])), "\(line)")
        }
    }
}

@Suite struct DashboardModelTests {
    @Test func tilesAreTheStoresCountersAndLinkToTheirLists() {
        let stats = MailStatistics()
        stats.increment(.inspected, for: .smtp, by: 4)
        stats.increment(.spam, for: .smtp, by: 2)
        stats.increment(.virus, for: .pop3)
        stats.recordDetection(.smtp, from: "a@example.com", to: "b@example.net", subject: "<b>Hi</b>", result: .spam, action: .tag, score: 120)
        let model = DashboardModel(statistics: stats, live: LiveState(), range: .hour, noPassword: true,
                                   strings: .for(.en), now: Date())
        for p in MailProtocol.allCases {
            for tile in model.tiles[p]! {
                #expect(tile.value == stats.value(tile.counter, for: p))
                #expect(tile.link == "/mails?protocol=\(p.rawValue)&counter=\(tile.counter.rawValue)&range=1h")
            }
        }
        #expect(model.unacknowledged == 1)
        #expect(model.detections.first?.score == "120" && model.detections.first?.direction == "send")
        let html = DashboardPage.gadgets(model, strings: .for(.en), csrf: "t")
        #expect(html.contains("&lt;b&gt;Hi&lt;/b&gt;") && !html.contains("<b>Hi</b>"))
        #expect(html.contains("id=\"detection-warning\""))
    }

    /// The TLS tiles read the same store as `show status mail security`'s TLS rows and
    /// /metrics' `mailsec_tls_sessions_total`, per protocol, in both languages.
    @Test func theTLSTilesShowTheStoresOutcomesPerProtocol() {
        let stats = MailStatistics()
        stats.tls.record(.inspected, for: .smtp)
        stats.tls.record(.inspected, for: .smtp)
        stats.tls.record(.clientRefusedCertificate, for: .smtp)
        stats.tls.record(.handshakeFailed, for: .pop3)
        for language in [Language.en, .ja] {
            let strings = Strings.for(language)
            let model = DashboardModel(statistics: stats, live: LiveState(), range: .hour, noPassword: true,
                                       strings: strings, now: Date())
            for p in MailProtocol.allCases {
                #expect(model.tls[p]?.map(\.outcome) == TLSOutcome.allCases)
                for tile in model.tls[p] ?? [] {
                    #expect(tile.value == stats.tls.value(tile.outcome, for: p))
                }
            }
            let html = DashboardPage.gadgets(model, strings: strings, csrf: "t")
            #expect(html.contains("id=\"tile-smtp-tls-inspected\">\(strings.tlsOutcome(.inspected))<b>2</b>"))
            #expect(html.contains("id=\"tile-smtp-tls-clientRefusedCertificate\">\(strings.tlsOutcome(.clientRefusedCertificate))<b>1</b>"))
            #expect(html.contains("id=\"tile-pop3-tls-handshakeFailed\">\(strings.tlsOutcome(.handshakeFailed))<b>1</b>"))
            #expect(html.contains("id=\"tile-pop3-tls-inspected\">\(strings.tlsOutcome(.inspected))<b>0</b>"))
            #expect(html.contains(strings.tlsSessions))
        }
        #expect(Strings.for(.en).tlsOutcome(.upstreamCertificateInvalid) == "upstream invalid")
        #expect(Strings.for(.ja).tlsOutcome(.handshakeFailed) == "ハンドシェイク失敗")
    }

    @Test func theNotInspectedTileShowsTheStoresCount() {
        let stats = MailStatistics()
        stats.recordUninspectedSessions(3)
        let model = DashboardModel(statistics: stats, live: LiveState(), range: .hour, noPassword: true,
                                   strings: .for(.en), now: Date())
        #expect(model.notInspected == 3)
        let html = DashboardPage.gadgets(model, strings: .for(.en), csrf: "t")
        #expect(html.contains("id=\"tile-not-inspected\" href=\"/not-inspected\">Sessions not inspected<b>3</b>"))
        let page = MailListPage.renderNotInspected(count: 3, strings: .for(.ja), noPassword: false, csrf: "t")
        #expect(page.contains("検査されなかったセッション") && page.contains("id=\"not-inspected-count\">3<"))
    }
}

@Suite struct MailListModelTests {
    /// A store whose clock the test moves.
    final class Clock: @unchecked Sendable {
        private let lock = NSLock()
        private var now = Date(timeIntervalSince1970: 1_795_646_700)
        func advance(_ seconds: Double) { lock.withLock { now = now.addingTimeInterval(seconds) } }
        var read: @Sendable () -> Date { { self.lock.withLock { self.now } } }
    }

    @Test func aTileListsTheMailsItCountedOfItsProtocolNewestFirstWithinTheRange() {
        let clock = Clock()
        let stats = MailStatistics(clock: clock.read)
        func mail(_ p: MailProtocol, _ subject: String, _ counted: [MailCounter], _ disposition: MailDisposition, score: Int? = nil) {
            for c in counted { stats.increment(c, for: p) }
            stats.recordMail(p, from: "a@example.com", to: "b@example.net", subject: subject, size: 100,
                             counted: counted, disposition: disposition, score: score)
        }
        mail(.smtp, "old spam", [.inspected, .spam, .tagged], .tag, score: 90)
        clock.advance(2 * 3600)
        mail(.smtp, "clean one", [.inspected, .clean], .pass)
        mail(.pop3, "pop spam", [.inspected, .spam, .tagged], .tag)
        mail(.smtp, "<i>new spam</i>", [.inspected, .spam, .rejected], .reject, score: 100)
        mail(.smtp, "", [.overSize], .pass)
        let now = clock.read()
        let hour = MailListModel(statistics: stats, protocol: .smtp, counter: .spam, range: .hour, strings: .for(.en), now: now)
        #expect(hour.rows.map(\.subject) == ["<i>new spam</i>"])
        #expect(hour.counted == 2 && hour.kept == 2 && !hour.olderMailsLeft)
        #expect(hour.rows[0].outcome == "spam, rejected" && hour.rows[0].action == "rejected" && hour.rows[0].score == "100")
        let day = MailListModel(statistics: stats, protocol: .smtp, counter: .spam, range: .day, strings: .for(.en), now: now)
        #expect(day.rows.map(\.subject) == ["<i>new spam</i>", "old spam"])
        let clean = MailListModel(statistics: stats, protocol: .smtp, counter: .clean, range: .hour, strings: .for(.en), now: now)
        #expect(clean.rows.map(\.subject) == ["clean one"])
        let overSize = MailListModel(statistics: stats, protocol: .smtp, counter: .overSize, range: .hour, strings: .for(.ja), now: now)
        #expect(overSize.rows.count == 1 && overSize.rows[0].subject == "-" && overSize.rows[0].outcome == "サイズ超過")
        let pop = MailListModel(statistics: stats, protocol: .pop3, counter: .tagged, range: .hour, strings: .for(.en), now: now)
        #expect(pop.rows.map(\.subject) == ["pop spam"] && pop.rows[0].direction == "receive")

        let html = MailListPage.render(day, strings: .for(.en), noPassword: false, csrf: "t")
        #expect(html.contains("&lt;i&gt;new spam&lt;/i&gt;") && !html.contains("<i>new spam</i>"))
        #expect(html.contains("id=\"mail-list-counted\">2<") && !html.contains("id=\"mails-left\""))
        #expect(html.range(of: "new spam")!.lowerBound < html.range(of: "old spam")!.lowerBound)
    }

    @Test func thePageSaysWhenOlderMailsHaveLeftTheList() {
        let stats = MailStatistics()
        // Counted before the list held them (or pushed out of it by newer mail).
        stats.increment(.virus, for: .smtp, by: 5)
        stats.recordMail(.smtp, from: "x@example.com", to: "y@example.com", subject: "EICAR", size: 68,
                         counted: [.inspected, .virus, .tagged], disposition: .tag, virusNames: ["Eicar-Test-Signature"])
        let model = MailListModel(statistics: stats, protocol: .smtp, counter: .virus, range: .week, strings: .for(.en), now: Date())
        #expect(model.olderMailsLeft && model.kept == 1 && model.rows[0].virus == "Eicar-Test-Signature")
        let en = MailListPage.render(model, strings: .for(.en), noPassword: false, csrf: "t")
        #expect(en.contains("id=\"mails-left\"") && en.contains("counted 5 mails; the list still holds 1"))
        let ja = MailListPage.render(model, strings: .for(.ja), noPassword: false, csrf: "t")
        #expect(ja.contains("id=\"mails-left\"") && ja.contains("5 通") && ja.contains("1 通"))
    }

    @Test func japanesePagesSayNoPasswordIsSet() {
        let stats = MailStatistics()
        let model = DashboardModel(statistics: stats, live: LiveState(), range: .day, noPassword: true, strings: .for(.ja), now: Date())
        let page = DashboardPage.render(model, strings: .for(.ja), csrf: "t")
        #expect(page.contains("lang=\"ja\"") && page.contains("管理パスワードが設定されていません"))
        #expect(page.contains("visibilityState"))
    }

    @Test func licenceDaysLeftRoundUp() {
        var live = LiveState()
        let now = Date(timeIntervalSince1970: 1_000_000)
        live.licenseExpiry = now.addingTimeInterval(86_400 * 2.5)
        #expect(live.licenseDaysLeft(now: now) == 3)
        #expect(Strings.for(.en).daysLeft(3) == "3 days left" && Strings.for(.ja).daysLeft(3) == "残り 3 日")
        live.licenseExpiry = now.addingTimeInterval(-10)
        #expect(live.licenseDaysLeft(now: now) == 0)
    }
}

@Suite struct WebCertificateTests {
    @Test func generatedOnceKeptPrivateAndReused() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("wc-cert-\(UInt32.random(in: 0 ... .max))").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (_, first) = try WebCertificate.serverConfiguration(stateDirectory: dir, hostName: "box.example")
        #expect(first)
        let keyPath = dir + "/" + WebCertificate.keyFile
        let mode = try FileManager.default.attributesOfItem(atPath: keyPath)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let pem = try String(contentsOfFile: dir + "/" + WebCertificate.certificateFile, encoding: .utf8)
        let (_, second) = try WebCertificate.serverConfiguration(stateDirectory: dir, hostName: "box.example")
        #expect(!second)
        #expect(try String(contentsOfFile: dir + "/" + WebCertificate.certificateFile, encoding: .utf8) == pem)
    }
}
