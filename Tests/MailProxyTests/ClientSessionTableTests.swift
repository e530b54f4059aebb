import MailProxy
import Testing

@Suite struct ClientSessionTableTests {
    @Test func eachAddressHasItsOwnShareAndReleasedSlotsComeBack() {
        let table = ClientSessionTable(limit: 2)
        let a1 = table.tryOpen("192.0.2.1")
        let a2 = table.tryOpen("192.0.2.1")
        #expect(a1 != nil && a2 != nil)
        #expect(table.tryOpen("192.0.2.1") == nil)
        #expect(table.tryOpen("198.51.100.7") != nil)  // another host is not affected
        a1?.release()
        #expect(table.openSessions("192.0.2.1") == 1)
        #expect(table.tryOpen("192.0.2.1") != nil)
    }

    @Test func theTableForgetsAddressesWithNoSession() {
        let table = ClientSessionTable()
        for n in 0..<1000 { table.tryOpen("203.0.113.\(n % 250)")?.release() }
        #expect(table.openSessions("203.0.113.1") == 0)
    }
}
