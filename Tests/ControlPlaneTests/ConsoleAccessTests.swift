import ApplianceConfig
import ControlPlane
import Testing

/// What a console session may do with and without `administrator password`.
@Suite struct ConsoleAccessTests {
    func console(password: String?) -> ApplianceConsole {
        var configuration = Configuration()
        if let password { _ = configuration.execute("administrator password \(password)") }
        return ApplianceConsole(configuration: configuration, store: nil, services: RecordingServices())
    }

    @Test func withoutAPasswordEverySessionMayChange() {
        let console = console(password: nil)
        #expect(console.execute("ysc retry 2", access: ConsoleAccess()).ok)
    }

    @Test func withAPasswordChangesWaitForAdministratorMode() {
        let console = console(password: "s3cret")
        let session = ConsoleAccess()
        #expect(console.execute("ysc retry 2", access: session).output.contains("Administrator mode needed"))
        #expect(console.execute("no ysc retry", access: session).output.contains("Administrator mode needed"))
        #expect(console.execute("show config", access: session).ok)
        #expect(!console.configuration.rendered().contains("ysc retry"))
        #expect(console.execute(AdministratorLogin.request(password: "s3cret"), access: session).ok)
        #expect(session.isAdministrator)
        #expect(console.execute("ysc retry 2", access: session).ok)
        #expect(console.configuration.rendered().contains("ysc retry 2"))
        // Another session is not privileged by this one.
        #expect(!console.execute("ysc retry 3", access: ConsoleAccess()).ok)
    }

    @Test func wrongPasswordsAreCountedPerSession() {
        let console = console(password: "s3cret")
        let session = ConsoleAccess()
        for _ in 0..<AdministratorLogin.maximumAttempts {
            #expect(console.execute(AdministratorLogin.request(password: "guess"), access: session)
                    == .error("Error: Password incorrect"))
        }
        #expect(console.execute(AdministratorLogin.request(password: "s3cret"), access: session)
                == .error("Error: Too many password failures on this session"))
        #expect(!session.isAdministrator)
        #expect(console.execute(AdministratorLogin.request(password: "s3cret"), access: ConsoleAccess()).ok)
    }

    @Test(arguments: ["pass word", "quote\"and\\slash", "'single'", "x"])
    func loginRequestCarriesAnyPassword(_ password: String) {
        #expect(AdministratorLogin.password(in: AdministratorLogin.request(password: password)) == .some(password))
    }

    @Test func otherLinesAreNoLoginRequest() {
        #expect(AdministratorLogin.password(in: "administrator password x") == nil)
        #expect(AdministratorLogin.password(in: "show config") == nil)
    }

    @Test func peerPolicyAdmitsRootAndTheOwnerOnly() {
        #expect(ControlPeerPolicy.admits(peerUID: 0, socketOwnerUID: 0))
        #expect(ControlPeerPolicy.admits(peerUID: 1000, socketOwnerUID: 1000))
        #expect(ControlPeerPolicy.admits(peerUID: 0, socketOwnerUID: 1000))
        #expect(!ControlPeerPolicy.admits(peerUID: 65534, socketOwnerUID: 0))
    }
}
