import ApplianceConfig
import Interception
@testable import PacketLayer
import Testing

/// What appliance interception applies as the configuration changes, and what it shows and
/// reports, as event → apply scripts (no nft is run).
@Suite struct InterceptionFollowerTests {
    let portMap = PortMap(mode: .router, lan1: "lan1", lan2: "lan2")

    func follower(_ source: InterceptionStartup.Source = .configuration) -> InterceptionFollower {
        InterceptionFollower(startup: InterceptionStartup(source: source, portMap: (portMap, "/etc/mailsec/portmap")),
                             smtpListenerPort: 10025, pop3ListenerPort: 10110)
    }

    func configuration(_ lines: String) -> Configuration {
        let (configuration, problems) = Configuration.load(lines)
        #expect(problems.isEmpty, "\(problems)")
        return configuration
    }

    var on: Configuration { configuration("mail security use on\n") }

    func plan(enabled: Bool = true, smtpPorts: [UInt16] = [25]) -> InterceptionPlan {
        InterceptionPlan(portMap: portMap, smtpPorts: smtpPorts, smtpListenerPort: 10025, pop3ListenerPort: 10110,
                         enabled: enabled)
    }

    @Test func nothingIsAppliedBeforeTheListenersAreUp() {
        var follower = follower()
        #expect(follower.configurationChanged(on) == nil)
        #expect(follower.statusLine == "off: starting")
        #expect(follower.activate(on) == .init(plan: plan(), replacing: nil))
    }

    @Test func aLoadedPlanIsReportedAndShown() throws {
        var follower = follower()
        let applyWished = follower.activate(on)
        let apply = try #require(applyWished)
        let ended = follower.applyEnded(apply.plan, failure: nil)
        #expect(ended == .init(next: nil, report: "interception rules loaded: router lan1-lan2, SMTP 25, POP3 110", severity: .info))
        #expect(follower.statusLine == "appliance router lan1-lan2: rules loaded (SMTP 25, POP3 110)")
        #expect(follower.reconciler.installed == plan())
    }

    @Test func aChangeDuringAnApplyIsAppliedAfterIt() throws {
        var follower = follower()
        let firstWished = follower.activate(on)
        let first = try #require(firstWished)
        #expect(follower.configurationChanged(configuration("mail security use on\nmail security port smtp 25 587\n")) == nil)
        let ended = follower.applyEnded(first.plan, failure: nil)
        #expect(ended.next == .init(plan: plan(smtpPorts: [25, 587]), replacing: plan()))
    }

    @Test func mailSecurityOffRemovesTheRules() throws {
        var follower = follower()
        let loaded = follower.activate(on)
        _ = follower.applyEnded(try #require(loaded).plan, failure: nil)
        let removalWished = follower.configurationChanged(Configuration())
        let removal = try #require(removalWished)
        #expect(removal.plan == plan(enabled: false))
        #expect(follower.applyEnded(removal.plan, failure: nil).report == "interception rules removed")
        #expect(follower.statusLine == "appliance router lan1-lan2: no rules (mail security use off)")
    }

    @Test func aFailedApplyIsShownAndNotRetriedUntilTheWishChanges() throws {
        var follower = follower()
        let applyWished = follower.activate(on)
        let apply = try #require(applyWished)
        let ended = follower.applyEnded(apply.plan, failure: "nft: exit 1")
        #expect(ended == .init(next: nil, report: "interception: cannot load the rules: nft: exit 1", severity: .error))
        #expect(follower.statusLine == "appliance router lan1-lan2: FAILED to load the rules: nft: exit 1")
        #expect(follower.configurationChanged(on) == nil)
        #expect(follower.configurationChanged(configuration("mail security use on\nmail security port smtp 587\n")) != nil)
    }

    @Test func externalModeNeverRunsNft() {
        var follower = follower(.fixed(.external, why: "--interception"))
        #expect(follower.activate(on) == nil)
        #expect(follower.statusLine == "external: rules managed elsewhere")
        #expect(follower.shutdown() == nil)
    }

    @Test func leavingApplianceModeLiveRemovesTheRules() throws {
        var follower = follower()
        let loaded = follower.activate(on)
        _ = follower.applyEnded(try #require(loaded).plan, failure: nil)
        let removalWished = follower.configurationChanged(configuration("mail security use on\nmail security interception external\n"))
        let removal = try #require(removalWished)
        #expect(!removal.plan.enabled)
        _ = follower.applyEnded(removal.plan, failure: nil)
        #expect(follower.statusLine == "external: rules managed elsewhere")
    }

    @Test func shutdownRemovesTheRulesOnceMoreEvenAfterAFailedRemoval() throws {
        var follower = follower()
        let loaded = follower.activate(on)
        _ = follower.applyEnded(try #require(loaded).plan, failure: nil)
        let removalWished = follower.configurationChanged(Configuration())
        let removal = try #require(removalWished)
        _ = follower.applyEnded(removal.plan, failure: "nft: busy")
        #expect(follower.shutdown() == .init(plan: plan(enabled: false), replacing: plan()))
        // Stopping: later changes apply nothing.
        #expect(follower.configurationChanged(on) == nil)
    }

    @Test func ipv4OnlyRulesCountIPv6AsUninspected() throws {
        var follower = follower()
        let applyWished = follower.activate(configuration("mail security use on\nmail security ipv6 off\n"))
        let apply = try #require(applyWished)
        #expect(apply.plan.families == [.ipv4])
        #expect(follower.uninspectedFamily == nil)
        _ = follower.applyEnded(apply.plan, failure: nil)
        #expect(follower.uninspectedFamily == .ipv6)
        #expect(follower.statusLine.hasSuffix(", IPv4 only: IPv6 counted, not inspected"))
        #expect(follower.uninspectedReading(3) == 3)
        #expect(follower.uninspectedReading(5) == 2)
    }

    /// With the implicit-TLS listeners running, their ports (`mail security port tls smtp|pop`,
    /// default 465 and 995) are diverted to them and followed live.
    @Test func implicitTLSPortsGoToTheirOwnListenersAndFollowTheConsole() throws {
        var follower = InterceptionFollower(startup: InterceptionStartup(source: .configuration, portMap: (portMap, "test")),
                                            smtpListenerPort: 10025, pop3ListenerPort: 10110,
                                            smtpsListenerPort: 10465, pop3sListenerPort: 10995)
        let firstWished = follower.activate(on)
        let first = try #require(firstWished)
        #expect(first.plan.smtpsPorts == [465] && first.plan.pop3sPorts == [995])
        #expect(first.plan.smtpsListenerPort == 10465 && first.plan.pop3sListenerPort == 10995)
        let ended = follower.applyEnded(first.plan, failure: nil)
        #expect(ended.report == "interception rules loaded: router lan1-lan2, SMTP 25, POP3 110, SMTP TLS 465, POP3 TLS 995")
        #expect(follower.statusLine == "appliance router lan1-lan2: rules loaded (SMTP 25, POP3 110, SMTP TLS 465, POP3 TLS 995)")

        let changedWished = follower.configurationChanged(configuration("mail security use on\nmail security port tls smtp 465 2465\nmail security port tls pop 1995\n"))
        let changed = try #require(changedWished)
        #expect(changed.plan.smtpsPorts == [465, 2465] && changed.plan.pop3sPorts == [1995])
        #expect(changed.replacing == first.plan)
        // use off removes them with the rest.
        _ = follower.applyEnded(changed.plan, failure: nil)
        let removalWished = follower.configurationChanged(Configuration())
        #expect(try #require(removalWished).plan.enabled == false)
    }

    /// Without an implicit-TLS listener (external mode started with plaintext listeners only),
    /// its ports are never diverted: the session would meet a listener expecting plaintext.
    @Test func noImplicitTLSListenerNoImplicitTLSPorts() throws {
        var follower = follower()
        let applyWished = follower.activate(on)
        let apply = try #require(applyWished)
        #expect(apply.plan.smtpsPorts.isEmpty && apply.plan.pop3sPorts.isEmpty)
    }
}
