import ControlPlane
import Foundation
import Testing
import TestSupport

@Suite struct ConfigStoreTests {
    @Test func missingFileReadsAsEmpty() throws {
        let dir = try TemporaryDirectory()
        #expect(try ConfigStore(path: dir.path("absent")).read() == "")
    }

    @Test func writeReplacesTheFileWholeAndLeavesNoTemporary() throws {
        let dir = try TemporaryDirectory()
        let store = ConfigStore(path: dir.path("mailsec.conf"))
        try store.write("mail security use on\n")
        try store.write("ysc retry 1\n")
        #expect(try store.read() == "ysc retry 1\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.url.path) == ["mailsec.conf"])
        let mode = try FileManager.default.attributesOfItem(atPath: store.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test func writeIntoAMissingDirectoryFailsAndSaysWhere() throws {
        let dir = try TemporaryDirectory()
        let store = ConfigStore(path: dir.path("no/such/dir/mailsec.conf"))
        #expect(throws: ConfigStoreError.self) { try store.write("x\n") }
    }
}
