import Foundation
import Testing
import TestSupport

/// `mailsecd --smtp-transparent`: the IP_TRANSPARENT listener TPROXY feeds. Without netfilter
/// rules (they come with the packet layer) a connection reaches it only directly, addressed
/// to the listener itself, which the loop guard must refuse rather than connect to itself.
@Suite struct TransparentListenerTests {
    @Test func aConnectionAddressedToTheListenerItselfIsRefusedNotLooped() throws {
        let dir = try TemporaryDirectory()
        let port = TCPPort.free()
        let socket = dir.path("ctl.sock")
        let daemon = try ManagedProcess(ProductBinary.path("mailsecd"), [
            "--config", dir.path("c.conf"), "--control", socket, "--syslog-socket", dir.path("none"),
            "--spool", dir.path("spool"), "--smtp-transparent", "127.0.0.1:\(port)",
        ], directory: dir.url)
        defer { daemon.stop() }
        #expect(waitUntil { TCPPort.isListening(port) }, "\(daemon.standardError)")
        let probe = try runCommand("/usr/bin/python3", ["-c", """
            import socket
            s = socket.create_connection(("127.0.0.1", \(port)), timeout=10)
            print(s.recv(512).decode(), end="")
            """], timeout: 20)
        #expect(probe.stdout.hasPrefix("421 "), "\(probe)")
        #expect(daemon.standardError.contains("SMTP transparent proxy on 127.0.0.1:\(port)"))
    }

    @Test func aPOP3ConnectionAddressedToTheListenerItselfIsRefusedNotLooped() throws {
        let dir = try TemporaryDirectory()
        let port = TCPPort.free()
        let daemon = try ManagedProcess(ProductBinary.path("mailsecd"), [
            "--config", dir.path("c.conf"), "--control", dir.path("ctl.sock"), "--syslog-socket", dir.path("none"),
            "--spool", dir.path("spool"), "--pop3-transparent", "127.0.0.1:\(port)",
        ], directory: dir.url)
        defer { daemon.stop() }
        #expect(waitUntil { TCPPort.isListening(port) }, "\(daemon.standardError)")
        let probe = try runCommand("/usr/bin/python3", ["-c", """
            import socket
            s = socket.create_connection(("127.0.0.1", \(port)), timeout=10)
            print(s.recv(512).decode(), end="")
            """], timeout: 20)
        #expect(probe.stdout.hasPrefix("-ERR [SYS/TEMP] "), "\(probe)")
        #expect(daemon.standardError.contains("POP3 transparent proxy on 127.0.0.1:\(port)"))
    }

    /// One listener per family on one port (`127.0.0.1:P,[::1]:P`): the IPv6 one serves IPv6
    /// (IPV6_V6ONLY beside the IPv4 one) and its loop guard knows the box's IPv6 addresses.
    @Test func aListenerPerFamilyOnOnePortBothGuardTheLoop() throws {
        let dir = try TemporaryDirectory()
        let port = TCPPort.free()
        let daemon = try ManagedProcess(ProductBinary.path("mailsecd"), [
            "--config", dir.path("c.conf"), "--control", dir.path("ctl.sock"), "--syslog-socket", dir.path("none"),
            "--spool", dir.path("spool"), "--smtp-transparent", "127.0.0.1:\(port),[::1]:\(port)",
        ], directory: dir.url)
        defer { daemon.stop() }
        #expect(waitUntil { daemon.standardError.contains("SMTP transparent proxy on 127.0.0.1:\(port),[::1]:\(port)") },
                "\(daemon.standardError)")
        for host in ["127.0.0.1", "::1"] {
            let probe = try runCommand("/usr/bin/python3", ["-c", """
                import socket
                s = socket.create_connection(("\(host)", \(port)), timeout=10)
                print(s.recv(512).decode(), end="")
                """], timeout: 20)
            #expect(probe.stdout.hasPrefix("421 "), "\(host): \(probe)")
        }
    }

    @Test func listenersOnDifferentPortsAreRefusedAtStart() throws {
        let dir = try TemporaryDirectory()
        let result = try runCommand(ProductBinary.path("mailsecd"), [
            "--config", dir.path("c.conf"), "--control", dir.path("ctl.sock"), "--syslog-socket", dir.path("none"),
            "--spool", dir.path("spool"), "--smtp-transparent", "127.0.0.1:10025,[::1]:10026",
        ], timeout: 20)
        #expect(result.status != 0)
        #expect(result.stderr.contains("must share one port"), "\(result.stderr)")
    }
}
