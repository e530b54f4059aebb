import TestSupport

let fixtures = Fixtures(beside: #filePath)

/// A fixture file as bytes.
func fixture(_ name: String) throws -> [UInt8] {
    try fixtures.bytes(name)
}

/// A server-reply fixture (stored with LF) in wire form, CRLF.
func wireReply(_ name: String) throws -> String {
    try fixtures.wireLines(name)
}
