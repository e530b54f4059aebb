import Testing
@testable import ApplianceConfig

/// Every integer parameter in the table, at both ends of its range and one beyond each,
/// generated from the table itself so a new command cannot go untested.
struct CommandRangeTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let line: String
        let expected: CommandError?
        var testDescription: String { "\(line) → \(expected?.message ?? "accepted")" }
    }

    static var cases: [Case] {
        var cases: [Case] = []
        for spec in CommandTable.specs {
            for (i, parameter) in spec.parameters.enumerated() {
                let range: ClosedRange<Int>
                switch parameter.kind {
                case .integer(let r), .integerOrKeyword(let r, _): range = r
                default: continue
                }
                func line(_ value: String) -> String {
                    var words = spec.keywords
                    for (j, other) in spec.parameters.enumerated() {
                        if j == i {
                            words.append(value)
                        } else if other.count.lowerBound > 0, case .integer(let r) = other.kind {
                            words.append(String(r.lowerBound))
                        }
                    }
                    return words.joined(separator: " ")
                }
                cases.append(Case(line: line(String(range.lowerBound)), expected: nil))
                cases.append(Case(line: line(String(range.upperBound)), expected: nil))
                cases.append(Case(line: line(String(range.lowerBound - 1)), expected: .parameterOutOfRange))
                cases.append(Case(line: line(String(range.upperBound + 1)), expected: .parameterOutOfRange))
                cases.append(Case(line: line("x1"), expected: .parameterMustBeInteger))
                cases.append(Case(line: line("1e3"), expected: .parameterMustBeInteger))
            }
        }
        return cases
    }

    @Test func everyIntegerParameterIsCovered() {
        // use/… have none; ports, prefixes… : at least the ones docs/product.md §7 lists.
        #expect(Self.cases.count >= 6 * 12)
    }

    @Test(arguments: cases)
    func rangeEnds(_ testCase: Case) {
        var config = Configuration()
        let result = config.execute(testCase.line)
        if let expected = testCase.expected {
            #expect(result == .failure(expected))
            #expect(config == Configuration())
        } else {
            guard case .success(.configured) = result else {
                Issue.record("\(testCase.line) gave \(result)")
                return
            }
            #expect(config.rendered() == testCase.line + "\n")
        }
    }
}
