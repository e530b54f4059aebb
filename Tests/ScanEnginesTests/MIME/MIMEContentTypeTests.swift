import Testing
@testable import ScanEngines

@Suite struct MIMEContentTypeTests {
    @Test(arguments: [
        ("text/plain", "text/plain", [String: String]()),
        ("Multipart/Mixed; Boundary=\"abc def\"", "multipart/mixed", ["boundary": "abc def"]),
        ("multipart/mixed;boundary=xyz;charset=x", "multipart/mixed", ["boundary": "xyz", "charset": "x"]),
        ("multipart/mixed; boundary=\"a;b\"; x=1", "multipart/mixed", ["boundary": "a;b", "x": "1"]),
        ("multipart/mixed; boundary=\"unterminated", "multipart/mixed", ["boundary": "unterminated"]),
        ("multipart/mixed; ; ;boundary=q", "multipart/mixed", ["boundary": "q"]),
        ("text; charset=us-ascii", "text", ["charset": "us-ascii"]),
        ("", "text/plain", [:]),
        ("; boundary=x", "text/plain", ["boundary": "x"]),
        ("text/plain; name=\"a\\\"b\"", "text/plain", ["name": "a\"b"]),
    ])
    func parses(value: String, mediaType: String, parameters: [String: String]) {
        let parsed = MIMEContentType(parsing: value)
        #expect(parsed.mediaType == mediaType)
        #expect(parsed.parameters == parameters)
    }
}
