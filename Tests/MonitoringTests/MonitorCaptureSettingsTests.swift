import ApplianceConfig
import Monitoring
import Testing

/// Which capture the configuration asks for: a change of any of these restarts it.
@Suite struct MonitorCaptureSettingsTests {
    @Test func monitorOffMeansNoCapture() {
        #expect(MonitorCaptureSettings(Configuration()) == nil)
    }

    @Test func theInterfacePortsAndMaxSizeMakeTheCapture() {
        let (configuration, problems) = Configuration.load("""
            mail security monitor eth1
            mail security port smtp 25 587
            mail security port pop 110
            mail security max size 2

            """)
        #expect(problems.isEmpty, "\(problems)")
        #expect(MonitorCaptureSettings(configuration)
                    == MonitorCaptureSettings(interface: "eth1", smtpPorts: [25, 587], pop3Ports: [110], maximumMessageBytes: 2 << 20))
    }
}
