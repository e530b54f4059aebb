import ApplianceConfig
import Interception
import PacketLayer
import Testing
import TestSupport

/// How the daemon's command line decides the interception mode, the port map and the
/// transparent listeners (docs/interception.md).
@Suite struct InterceptionStartupDecisionTests {
    let portMap = (map: PortMap(lan1: "eth0", lan2: "eth1"), origin: "/etc/mailsec/portmap")

    @Test func withoutFlagsThePortMapDecides() throws {
        #expect(try InterceptionStartup.decide(interception: nil, portMap: nil, transparentListenerGiven: false,
                                               explicitProxyGiven: false).source == .fixed(.off, why: "no port map"))
        #expect(try InterceptionStartup.decide(interception: nil, portMap: portMap, transparentListenerGiven: false,
                                               explicitProxyGiven: false).source == .configuration)
    }

    @Test func listenerFlagsFixTheMode() throws {
        let transparent = try InterceptionStartup.decide(interception: nil, portMap: portMap, transparentListenerGiven: true,
                                                         explicitProxyGiven: true)
        #expect(transparent.sourceDescription == "external (--smtp-transparent/--pop3-transparent without --interception)")
        let explicit = try InterceptionStartup.decide(interception: nil, portMap: portMap, transparentListenerGiven: false,
                                                      explicitProxyGiven: true)
        #expect(explicit.source == .fixed(.off, why: "--smtp-listen/--pop3-listen without --interception"))
        #expect(!explicit.runsTransparentListeners)
    }

    @Test func applianceModeNeedsAPortMap() {
        #expect(throws: InterceptionStartupError.self) {
            try InterceptionStartup.decide(interception: .appliance, portMap: nil, transparentListenerGiven: false,
                                           explicitProxyGiven: false)
        }
    }

    func listeners(_ startup: InterceptionStartup, smtp: String? = nil, pop3s: String? = nil) -> [String?] {
        let chosen = startup.transparentListeners(given: TransparentListeners(smtp: smtp, pop3s: pop3s),
                                                  defaults: TransparentListeners(smtp: "S", pop3: "P", smtps: "SS", pop3s: "PS"))
        return [chosen.smtp, chosen.pop3, chosen.smtps, chosen.pop3s]
    }

    @Test func transparentListenersDefaultToAllUnlessOnlySomeAreGivenOutsideApplianceMode() throws {
        let external = InterceptionStartup(source: .fixed(.external, why: "test"), portMap: nil)
        #expect(listeners(external) == ["S", "P", "SS", "PS"])
        #expect(listeners(external, smtp: "127.0.0.1:1") == ["127.0.0.1:1", nil, nil, nil])
        #expect(listeners(external, pop3s: "127.0.0.1:2") == [nil, nil, nil, "127.0.0.1:2"])
        let following = InterceptionStartup(source: .configuration, portMap: portMap)
        #expect(listeners(following, smtp: "127.0.0.1:1") == ["127.0.0.1:1", "P", "SS", "PS"])
        let off = InterceptionStartup(source: .fixed(.off, why: "test"), portMap: nil)
        #expect(listeners(off, smtp: "127.0.0.1:1") == [nil, nil, nil, nil])
    }

    @Test func theStartupLineNamesThePortMap() {
        let following = InterceptionStartup(source: .configuration, portMap: portMap)
        #expect(following.startupLine == "interception from the configuration ('mail security interception'), port map /etc/mailsec/portmap: router lan1 eth0 lan2 eth1")
    }
}

/// Which port map is used, and the overrides on top of it.
@Suite struct PortMapSourceTests {
    @Test func noFileAndNoOverrideMeansNoPortMap() throws {
        #expect(try PortMapSource(path: nil, firmwarePath: "/nonexistent/portmap").resolve() == nil)
    }

    @Test func overridesAloneStartFromTheDefaultMap() throws {
        let resolved = try #require(try PortMapSource(path: nil, firmwarePath: "/nonexistent/portmap", lan1: "lan1", lan2: "lan2").resolve())
        #expect(resolved.origin == "command line")
        #expect(resolved.map == PortMap(lan1: "lan1", lan2: "lan2"))
    }

    @Test func overridesApplyOnTopOfTheFileAndAreChecked() throws {
        let dir = try TemporaryDirectory()
        try "mode router\nlan1 eth0\nlan2 eth1\n".write(toFile: dir.path("portmap"), atomically: true, encoding: .utf8)
        let resolved = try #require(try PortMapSource(path: dir.path("portmap"), firmwarePath: "/nonexistent/portmap",
                                                      lan2: "eth2").resolve())
        #expect(resolved.map == PortMap(lan1: "eth0", lan2: "eth2"))
        #expect(throws: InterceptionStartupError.self) {
            try PortMapSource(path: dir.path("portmap"), firmwarePath: "/nonexistent/portmap", lan2: "eth0").resolve()
        }
    }

    @Test func anUnreadableFileIsNamed() {
        do {
            _ = try PortMapSource(path: "/nonexistent/portmap", firmwarePath: "/nonexistent/firmware").resolve()
            Issue.record("no error")
        } catch {
            #expect("\(error)".hasPrefix("cannot read the port map /nonexistent/portmap"))
        }
    }
}
