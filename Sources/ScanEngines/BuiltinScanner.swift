/// The always-on engine: decodes the MIME tree and looks for the EICAR and GTUBE test strings
/// in every decoded part. Pure; `BuiltinEngine` runs it off the event loop.
public enum BuiltinScanner {
    public static let engineName = "builtin"

    /// EICAR anywhere → virus `EICAR-Test-File`; GTUBE anywhere → spam score 100; else 0.
    /// The raw message is searched too, so a string the decoder could not reach through broken
    /// MIME (or one sitting in a preamble) is still found.
    public static func scan(_ message: [UInt8]) -> EngineVerdict {
        let tree = MIMEDecoder.decode(message)
        let bodies = [message] + tree.allEntities.map(\.body).filter { !$0.isEmpty }
        let virus = bodies.contains { $0.containsBytes(TestSignatures.eicar) }
        let spam = bodies.contains { $0.containsBytes(TestSignatures.gtube) }
        return EngineVerdict(spamScore: spam ? 100 : 0, viruses: virus ? [TestSignatures.eicarVirusName] : [])
    }
}
