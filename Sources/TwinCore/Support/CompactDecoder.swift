extension CompactCoding {
    /// Decodes a value written by `encode`; throws `DecodingError.dataCorrupted` on bytes it did not write (a wrong
    /// magic, an unknown version or tag, a truncated document).
    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        guard isCompact(bytes) else { throw corrupted("not a compact document (no TWB header)") }
        guard bytes[magic.count] == version else {
            throw corrupted("compact format version \(bytes[magic.count]); this twind reads version \(version)")
        }
        var reader = Reader(bytes: bytes, position: magic.count + 1)
        let root = try reader.value()
        guard reader.position == bytes.count else { throw corrupted("\(bytes.count - reader.position) bytes left over") }
        return try CompactDecoder(root, codingPath: []).decodeValue(T.self)
    }

    static func corrupted(_ message: String, _ path: [any CodingKey] = []) -> DecodingError {
        .dataCorrupted(DecodingError.Context(codingPath: path, debugDescription: message))
    }

    /// A parsed value.
    enum Value {
        case null, bool(Bool), int(Int64), uint(UInt64), double(Double), string(String)
        case doubles([Double]), ints([Int64])
        case array([Value]), map(Map)

        struct Map {
            var keys: [String]
            var values: [Value]

            func value(for key: String) -> Value? {
                keys.lastIndex(of: key).map { values[$0] }
            }
        }
    }

    /// Reads the primitives of the format (see ``Writer``); a read past the end throws `DecodingError`.
    public struct Reader {
        let bytes: [UInt8]
        public private(set) var position: Int
        var keys: [String] = []

        public var isAtEnd: Bool { position >= bytes.count }

        public init(bytes: [UInt8], position: Int = 0) {
            self.bytes = bytes
            self.position = position
        }

        mutating func byte() throws -> UInt8 {
            guard position < bytes.count else { throw corrupted("truncated at byte \(position)") }
            defer { position += 1 }
            return bytes[position]
        }

        public mutating func varint() throws -> UInt64 {
            var result: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                let b = try byte()
                guard shift < 64 else { throw corrupted("varint too long at byte \(position)") }
                result |= UInt64(b & 0x7F) << shift
                if b < 0x80 { return result }
                shift += 7
            }
        }

        public mutating func zigzag() throws -> Int64 {
            let v = try varint()
            return Int64(bitPattern: v >> 1) ^ -Int64(bitPattern: v & 1)
        }

        public mutating func count() throws -> Int {
            let n = try varint()
            // Every item takes at least one byte: a larger count is corrupt, and would allocate without bound.
            guard n <= UInt64(bytes.count - position) else { throw corrupted("count \(n) beyond the document") }
            return Int(n)
        }

        public mutating func double() throws -> Double {
            Double(bitPattern: try littleEndian(8))
        }

        /// `width` bytes as a little-endian number.
        mutating func littleEndian(_ width: Int) throws -> UInt64 {
            guard position + width <= bytes.count else { throw corrupted("truncated number at byte \(position)") }
            var bits: UInt64 = 0
            for i in 0..<width { bits |= UInt64(bytes[position + i]) << UInt64(i * 8) }
            position += width
            return bits
        }

        mutating func string() throws -> String {
            let n = try count()
            defer { position += n }
            return String(decoding: bytes[position..<position + n], as: UTF8.self)
        }

        mutating func key() throws -> String {
            let index = try varint()
            if index == 0 {
                let key = try string()
                keys.append(key)
                return key
            }
            guard index <= UInt64(keys.count) else { throw corrupted("unknown key \(index) at byte \(position)") }
            return keys[Int(index - 1)]
        }

        mutating func value() throws -> Value {
            let raw = try byte()
            guard let tag = Tag(rawValue: raw) else { throw corrupted("unknown tag \(raw) at byte \(position - 1)") }
            switch tag {
            case .null: return .null
            case .false: return .bool(false)
            case .true: return .bool(true)
            case .int: return .int(try zigzag())
            case .uint: return .uint(try varint())
            case .double: return .double(try double())
            case .float: return .double(Double(Float(bitPattern: UInt32(try littleEndian(4)))))
            case .string: return .string(try string())
            case .doubles:
                let n = try count()
                var values: [Double] = []
                values.reserveCapacity(n)
                for _ in 0..<n { values.append(try double()) }
                return .doubles(values)
            case .ints:
                let n = try count()
                var values: [Int64] = []
                values.reserveCapacity(n)
                for _ in 0..<n { values.append(try zigzag()) }
                return .ints(values)
            case .array:
                let n = try count()
                var items: [Value] = []
                items.reserveCapacity(n)
                for _ in 0..<n { items.append(try value()) }
                return .array(items)
            case .map:
                let n = try count()
                var map = Value.Map(keys: [], values: [])
                map.keys.reserveCapacity(n)
                map.values.reserveCapacity(n)
                for _ in 0..<n {
                    map.keys.append(try key())
                    map.values.append(try value())
                }
                return .map(map)
            }
        }
    }
}

/// The `Decoder` behind `CompactCoding.decode`, over a parsed value.
struct CompactDecoder: Decoder {
    typealias Value = CompactCoding.Value
    let value: Value
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(_ value: Value, codingPath: [any CodingKey]) {
        self.value = value
        self.codingPath = codingPath
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .map(let map) = value else { throw mismatch([String: Int].self, value, codingPath) }
        return KeyedDecodingContainer(KeyedContainer<Key>(map: map, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        switch value {
        case .array(let items): return UnkeyedContainer(items: .values(items), codingPath: codingPath)
        case .doubles(let values): return UnkeyedContainer(items: .doubles(values), codingPath: codingPath)
        case .ints(let values): return UnkeyedContainer(items: .ints(values), codingPath: codingPath)
        default: throw mismatch([Int].self, value, codingPath)
        }
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { SingleContainer(decoder: self) }

    /// `T` from this decoder's value: common leaf types and packed arrays directly, anything else through its init.
    func decodeValue<T: Decodable>(_ type: T.Type) throws -> T {
        if T.self == Double.self { return try double() as! T }
        if T.self == String.self { return try string() as! T }
        if T.self == Int.self { return try integer(Int.self) as! T }
        if T.self == Int64.self { return try integer(Int64.self) as! T }
        if T.self == Bool.self { return try bool() as! T }
        if T.self == [Double].self, case .doubles(let values) = value { return values as! T }
        if T.self == [Int64].self, case .ints(let values) = value { return values as! T }
        return try T(from: self)
    }

    func double() throws -> Double {
        switch value {
        case .double(let d): return d
        case .int(let i): return Double(i)
        case .uint(let u): return Double(u)
        default: throw mismatch(Double.self, value, codingPath)
        }
    }

    func string() throws -> String {
        guard case .string(let s) = value else { throw mismatch(String.self, value, codingPath) }
        return s
    }

    func bool() throws -> Bool {
        guard case .bool(let b) = value else { throw mismatch(Bool.self, value, codingPath) }
        return b
    }

    func integer<I: FixedWidthInteger>(_ type: I.Type) throws -> I {
        let result: I?
        switch value {
        case .int(let i): result = I(exactly: i)
        case .uint(let u): result = I(exactly: u)
        case .double(let d): result = I(exactly: d)
        default: throw mismatch(I.self, value, codingPath)
        }
        guard let result else {
            throw CompactCoding.corrupted("number does not fit \(I.self)", codingPath)
        }
        return result
    }

    private func mismatch(_ type: Any.Type, _ value: Value, _ path: [any CodingKey]) -> DecodingError {
        .typeMismatch(type, DecodingError.Context(codingPath: path, debugDescription: "expected \(type), found \(value)"))
    }

    struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let map: Value.Map
        let codingPath: [any CodingKey]

        var allKeys: [Key] { map.keys.compactMap { Key(stringValue: $0) } }
        func contains(_ key: Key) -> Bool { map.keys.contains(key.stringValue) }

        private func decoder(for key: Key) throws -> CompactDecoder {
            guard let value = map.value(for: key.stringValue) else {
                throw DecodingError.keyNotFound(key, DecodingError.Context(codingPath: codingPath,
                                                                           debugDescription: "no \(key.stringValue)"))
            }
            return CompactDecoder(value, codingPath: codingPath + [key])
        }

        func decodeNil(forKey key: Key) throws -> Bool {
            if case .null = try decoder(for: key).value { return true }
            return false
        }

        func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try decoder(for: key).bool() }
        func decode(_ type: String.Type, forKey key: Key) throws -> String { try decoder(for: key).string() }
        func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try decoder(for: key).double() }
        func decode(_ type: Float.Type, forKey key: Key) throws -> Float { Float(try decoder(for: key).double()) }
        func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try decoder(for: key).integer(Int.self) }
        func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try decoder(for: key).integer(Int8.self) }
        func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try decoder(for: key).integer(Int16.self) }
        func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try decoder(for: key).integer(Int32.self) }
        func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try decoder(for: key).integer(Int64.self) }
        func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try decoder(for: key).integer(UInt.self) }
        func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try decoder(for: key).integer(UInt8.self) }
        func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 {
            try decoder(for: key).integer(UInt16.self)
        }
        func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 {
            try decoder(for: key).integer(UInt32.self)
        }
        func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 {
            try decoder(for: key).integer(UInt64.self)
        }
        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
            try decoder(for: key).decodeValue(T.self)
        }

        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type,
                                                   forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
            try decoder(for: key).container(keyedBy: type)
        }

        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
            try decoder(for: key).unkeyedContainer()
        }

        func superDecoder() throws -> any Decoder { try decoder(for: Key(stringValue: "super")!) }
        func superDecoder(forKey key: Key) throws -> any Decoder { try decoder(for: key) }
    }

    struct UnkeyedContainer: UnkeyedDecodingContainer {
        enum Items {
            case values([Value]), doubles([Double]), ints([Int64])
        }

        let items: Items
        let codingPath: [any CodingKey]
        var currentIndex = 0

        init(items: Items, codingPath: [any CodingKey]) {
            self.items = items
            self.codingPath = codingPath
        }

        var count: Int? {
            switch items {
            case .values(let v): v.count
            case .doubles(let v): v.count
            case .ints(let v): v.count
            }
        }

        var isAtEnd: Bool { currentIndex >= count! }

        private mutating func next() throws -> CompactDecoder {
            guard !isAtEnd else {
                throw DecodingError.valueNotFound(Any.self, DecodingError.Context(
                    codingPath: codingPath, debugDescription: "no item \(currentIndex): the array has \(count!)"))
            }
            defer { currentIndex += 1 }
            let value: Value
            switch items {
            case .values(let v): value = v[currentIndex]
            case .doubles(let v): value = .double(v[currentIndex])
            case .ints(let v): value = .int(v[currentIndex])
            }
            return CompactDecoder(value, codingPath: codingPath + [IndexKey(currentIndex)])
        }

        mutating func decodeNil() throws -> Bool {
            guard !isAtEnd, case .values(let v) = items, case .null = v[currentIndex] else { return false }
            currentIndex += 1
            return true
        }

        mutating func decode(_ type: Bool.Type) throws -> Bool { try next().bool() }
        mutating func decode(_ type: String.Type) throws -> String { try next().string() }
        mutating func decode(_ type: Double.Type) throws -> Double { try next().double() }
        mutating func decode(_ type: Float.Type) throws -> Float { Float(try next().double()) }
        mutating func decode(_ type: Int.Type) throws -> Int { try next().integer(Int.self) }
        mutating func decode(_ type: Int8.Type) throws -> Int8 { try next().integer(Int8.self) }
        mutating func decode(_ type: Int16.Type) throws -> Int16 { try next().integer(Int16.self) }
        mutating func decode(_ type: Int32.Type) throws -> Int32 { try next().integer(Int32.self) }
        mutating func decode(_ type: Int64.Type) throws -> Int64 { try next().integer(Int64.self) }
        mutating func decode(_ type: UInt.Type) throws -> UInt { try next().integer(UInt.self) }
        mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try next().integer(UInt8.self) }
        mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try next().integer(UInt16.self) }
        mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try next().integer(UInt32.self) }
        mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try next().integer(UInt64.self) }
        mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next().decodeValue(T.self) }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type)
            throws -> KeyedDecodingContainer<NestedKey> {
            try next().container(keyedBy: type)
        }

        mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { try next().unkeyedContainer() }
        mutating func superDecoder() throws -> any Decoder { try next() }
    }

    struct SingleContainer: SingleValueDecodingContainer {
        let decoder: CompactDecoder
        var codingPath: [any CodingKey] { decoder.codingPath }

        func decodeNil() -> Bool {
            if case .null = decoder.value { return true }
            return false
        }

        func decode(_ type: Bool.Type) throws -> Bool { try decoder.bool() }
        func decode(_ type: String.Type) throws -> String { try decoder.string() }
        func decode(_ type: Double.Type) throws -> Double { try decoder.double() }
        func decode(_ type: Float.Type) throws -> Float { Float(try decoder.double()) }
        func decode(_ type: Int.Type) throws -> Int { try decoder.integer(Int.self) }
        func decode(_ type: Int8.Type) throws -> Int8 { try decoder.integer(Int8.self) }
        func decode(_ type: Int16.Type) throws -> Int16 { try decoder.integer(Int16.self) }
        func decode(_ type: Int32.Type) throws -> Int32 { try decoder.integer(Int32.self) }
        func decode(_ type: Int64.Type) throws -> Int64 { try decoder.integer(Int64.self) }
        func decode(_ type: UInt.Type) throws -> UInt { try decoder.integer(UInt.self) }
        func decode(_ type: UInt8.Type) throws -> UInt8 { try decoder.integer(UInt8.self) }
        func decode(_ type: UInt16.Type) throws -> UInt16 { try decoder.integer(UInt16.self) }
        func decode(_ type: UInt32.Type) throws -> UInt32 { try decoder.integer(UInt32.self) }
        func decode(_ type: UInt64.Type) throws -> UInt64 { try decoder.integer(UInt64.self) }
        func decode<T: Decodable>(_ type: T.Type) throws -> T { try decoder.decodeValue(T.self) }
    }
}
