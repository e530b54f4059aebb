import Foundation

extension PostfixInstance {
    /// What Postfix put in front of a delivered message, and the message as it arrived.
    public struct DeliveredMessage: Sendable {
        /// The header fields Postfix prepended, unfolded lines kept as stored (LF endings):
        /// `Return-Path:`, `X-Original-To:`, `Delivered-To:` (virtual(8)) and smtpd's `Received:`.
        public var addedFields: [String]
        /// Everything after those fields: the client's message, with LF line endings
        /// (Postfix stores lines without their CR).
        public var content: Data
    }

    /// Splits a stored Maildir file into the fields Postfix added on the way in and the rest.
    ///
    /// Postfix prepends, in this order: `Return-Path:`, `X-Original-To:`, `Delivered-To:`
    /// (written by the virtual delivery agent) and one `Received: … (Postfix) …` field,
    /// possibly folded over several lines, written by smtpd.
    public static func splitDelivered(_ stored: Data) -> DeliveredMessage {
        let bytes = [UInt8](stored)
        var index = 0
        var added: [String] = []
        /// The next header field (first line plus continuation lines) starting at `index`.
        func nextField() -> (text: String, end: Int)? {
            var end = index
            repeat {
                guard let lf = bytes[end...].firstIndex(of: UInt8(ascii: "\n")) else { return nil }
                end = lf + 1
            } while end < bytes.count && (bytes[end] == UInt8(ascii: " ") || bytes[end] == UInt8(ascii: "\t"))
            return (String(decoding: bytes[index..<end], as: UTF8.self), end)
        }
        var sawReceived = false
        while let field = nextField() {
            let name = field.text.prefix { $0 != ":" }.lowercased()
            let prepended = ["return-path", "x-original-to", "delivered-to"].contains(name)
            let received = name == "received" && !sawReceived && field.text.contains("(Postfix)")
            guard prepended || received else { break }
            if received { sawReceived = true }
            added.append(field.text)
            index = field.end
            if received { break }  // smtpd's Received: is the last field Postfix adds
        }
        return DeliveredMessage(addedFields: added, content: Data(bytes[index...]))
    }
}

/// Line-ending conversions for comparing what was sent with what a server stored or served.
public enum MailText {
    /// CRLF → LF: how Postfix (and most Maildir writers) store a message received over SMTP.
    public static func lfLineEndings(_ data: Data) -> Data {
        let bytes = [UInt8](data)
        var out = Data(capacity: bytes.count)
        for (i, byte) in bytes.enumerated() {
            let crBeforeLF = byte == UInt8(ascii: "\r") && i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "\n")
            if !crBeforeLF { out.append(byte) }
        }
        return out
    }

    /// Every line ending (CRLF or bare LF) → CRLF: the form of a message on the SMTP/POP3 wire.
    public static func crlfLineEndings(_ data: Data) -> Data {
        var out = Data(capacity: data.count + data.count / 32)
        var previous: UInt8 = 0
        for byte in data {
            if byte == UInt8(ascii: "\n") && previous != UInt8(ascii: "\r") { out.append(UInt8(ascii: "\r")) }
            out.append(byte)
            previous = byte
        }
        return out
    }
}
