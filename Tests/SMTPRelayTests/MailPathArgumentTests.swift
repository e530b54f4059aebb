import Testing
@testable import SMTPRelay

struct PathCase: CustomTestStringConvertible, Sendable {
    let argument: String
    let prefix: String
    let address: String?
    let parameters: [String]
    let size: Int?
    let body: String?
    var testDescription: String { argument }
}

let pathCases: [PathCase] = [
    .init(argument: "FROM:<a@example.com>", prefix: "FROM:", address: "a@example.com", parameters: [], size: nil, body: nil),
    .init(argument: "FROM:<>", prefix: "FROM:", address: "", parameters: [], size: nil, body: nil),
    .init(argument: "FROM:<a@b> SIZE=1200 BODY=8bitmime", prefix: "FROM:", address: "a@b",
          parameters: ["SIZE=1200", "BODY=8bitmime"], size: 1200, body: "8BITMIME"),
    .init(argument: "from:<a@b> size=99999999999999999999999", prefix: "FROM:", address: "a@b",
          parameters: ["SIZE=99999999999999999999999"], size: Int.max, body: nil),
    .init(argument: "FROM:<a@b> SIZE=12x", prefix: "FROM:", address: "a@b", parameters: ["SIZE=12x"], size: nil, body: nil),
    // Leniency: space after the colon, no angle brackets (corpus: nc scripts, arkime nospaces).
    .init(argument: "FROM: user1@localhost.localdomain", prefix: "FROM:", address: "user1@localhost.localdomain",
          parameters: [], size: nil, body: nil),
    .init(argument: "TO: user1@localhost.localdomain NOTIFY=success,failure", prefix: "TO:",
          address: "user1@localhost.localdomain", parameters: ["NOTIFY=success,failure"], size: nil, body: nil),
    .init(argument: "TO:<\"odd>name\"@example.com> ORCPT=rfc822;x@y", prefix: "TO:", address: "\"odd>name\"@example.com",
          parameters: ["ORCPT=rfc822;x@y"], size: nil, body: nil),
    .init(argument: "TO:<@relay.example:c@d>", prefix: "TO:", address: "@relay.example:c@d", parameters: [], size: nil, body: nil),
    .init(argument: "FROM:<a@b SIZE=1", prefix: "FROM:", address: nil, parameters: [], size: nil, body: nil),
    .init(argument: "TO:<a@b>", prefix: "FROM:", address: nil, parameters: [], size: nil, body: nil),
    .init(argument: "FROM:", prefix: "FROM:", address: nil, parameters: [], size: nil, body: nil),
]

@Test(arguments: pathCases)
func mailPathArgumentParses(_ c: PathCase) {
    let parsed = MailPathArgument.parse(c.argument, prefix: c.prefix)
    #expect(parsed?.address == c.address)
    guard let parsed else { return }
    #expect(parsed.parameters.map { $0.keyword + ($0.value.map { "=" + $0 } ?? "") } == c.parameters)
    #expect(parsed.size == c.size)
    #expect(parsed.body == c.body)
}
