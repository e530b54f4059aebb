import ApplianceConfig
import ControlPlane
import Foundation
import Testing
import TestSupport

/// What the daemon reads at start: the configuration with its bad lines, the scan service's
/// credentials, the licence serial.
@Suite struct DaemonStartupTests {
    @Test func aBadLineIsReportedWithItsNumberAndTheRestApplies() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("mailsec.conf")
        try "mail security use on\nmail security spam level 9\nmail security white-list set 1 2\nmail security white-list set enable 1\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        let (configuration, problems) = ConfigStore(path: path).loadReportingProblems()
        #expect(configuration.mailSecurityEnabled)
        #expect(problems.count == 1)
        #expect(problems.first?.hasPrefix("\(path) line 2: 'mail security spam level 9': ") == true, "\(problems)")
        #expect(configuration.loadEvents == [.whiteListSetEnabled(1)])
    }

    @Test func aMissingFileIsAFreshBox() throws {
        let dir = try TemporaryDirectory()
        let (configuration, problems) = ConfigStore(path: dir.path("none.conf")).loadReportingProblems()
        #expect(problems.isEmpty)
        #expect(configuration.loadEvents.isEmpty)
    }

    @Test func theAPIKeyIsTheFilesFirstLineAndNeverLogged() throws {
        let dir = try TemporaryDirectory()
        try "  s3cret \nsecond\n".write(toFile: dir.path("key"), atomically: true, encoding: .utf8)
        let credentials = ScanCredentials(apiKeyFile: dir.path("key"), clientCertificate: nil, clientKey: nil)
        #expect(credentials.apiKey == "s3cret" && credentials.warnings.isEmpty)
        let missing = ScanCredentials(apiKeyFile: dir.path("none"), clientCertificate: nil, clientKey: nil)
        #expect(missing.apiKey == nil)
        #expect(missing.warnings == ["cannot read an API key from \(dir.path("none")); scan requests go without one"])
    }

    @Test func anUnreadableClientCertificateIsReportedAtStart() throws {
        let dir = try TemporaryDirectory()
        try "key".write(toFile: dir.path("client.key"), atomically: true, encoding: .utf8)
        let credentials = ScanCredentials(apiKeyFile: nil, clientCertificate: dir.path("client.pem"), clientKey: dir.path("client.key"))
        #expect(credentials.clientCertificate != nil)
        #expect(credentials.warnings == ["cannot read \(dir.path("client.pem")): connections to the scan service fail until it can be read"])
    }

    @Test func theSerialComesFromTheOptionThenTheFirstReadableFile() throws {
        let dir = try TemporaryDirectory()
        try "\n  FW-0001 \n".write(toFile: dir.path("serial"), atomically: true, encoding: .utf8)
        #expect(FirmwareDefaults.boxSerial(override: "X", paths: [dir.path("serial")]) == "X")
        #expect(FirmwareDefaults.boxSerial(override: nil, paths: [dir.path("none"), dir.path("serial")]) == "FW-0001")
        #expect(FirmwareDefaults.boxSerial(override: nil, paths: [dir.path("none")]) == "UNSET")
    }
}
