/// SHA-256 (FIPS 180-4), for digests the outputs record (the recipe's digest in image
/// provenance). Small and dependency-free; not constant-time, and not meant for secrets.
public struct SHA256 {
  private var h0: UInt32 = 0x6a09_e667
  private var h1: UInt32 = 0xbb67_ae85
  private var h2: UInt32 = 0x3c6e_f372
  private var h3: UInt32 = 0xa54f_f53a
  private var h4: UInt32 = 0x510e_527f
  private var h5: UInt32 = 0x9b05_688c
  private var h6: UInt32 = 0x1f83_d9ab
  private var h7: UInt32 = 0x5be0_cd19
  /// Bytes waiting for a whole 64-byte block.
  private var pending: [UInt8] = []
  private var length: UInt64 = 0

  private static let k: [UInt32] = [
    0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
    0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
    0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
    0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
    0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
    0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
    0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
    0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
  ]

  public init() {}

  /// The digest of some bytes as 64 lower-case hex digits.
  public static func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
    var hasher = SHA256()
    hasher.update(bytes)
    return hasher.finalizeHex()
  }

  /// The digest of an array of bytes: the same, without generic code at run time (a generic call
  /// from another module builds the array's type metadata at start-up).
  public static func hex(_ bytes: [UInt8]) -> String {
    var hasher = SHA256()
    bytes.withUnsafeBytes { hasher.absorb($0) }
    return hasher.finalizeHex()
  }

  public mutating func update<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
    let done: Void? = bytes.withContiguousStorageIfAvailable { absorb(UnsafeRawBufferPointer($0)) }
    if done == nil {
      let copy = Array(bytes)
      copy.withUnsafeBytes { absorb($0) }
    }
  }

  /// Takes bytes: whole blocks straight from the input, the rest into `pending`.
  private mutating func absorb(_ input: UnsafeRawBufferPointer) {
    length &+= UInt64(input.count)
    guard let base = input.baseAddress else { return }
    var offset = 0
    if !pending.isEmpty {
      offset = min(64 - pending.count, input.count)
      pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: input[0..<offset]))
      guard pending.count == 64 else { return }
      pending.withUnsafeBytes { compress($0.baseAddress!) }
      pending.removeAll(keepingCapacity: true)
    }
    while input.count - offset >= 64 {
      compress(base + offset)
      offset += 64
    }
    if offset < input.count { pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: input[offset...])) }
  }

  public mutating func finalizeHex() -> String {
    let bitLength = length &* 8
    var padding: [UInt8] = [0x80]
    while (pending.count + padding.count) % 64 != 56 { padding.append(0) }
    for shift in stride(from: 56, through: 0, by: -8) { padding.append(UInt8((bitLength >> UInt64(shift)) & 0xFF)) }
    padding.withUnsafeBytes { absorb($0) }
    let words = (h0, h1, h2, h3, h4, h5, h6, h7)
    return String(unsafeUninitializedCapacity: 64) { out in
      withUnsafeBytes(of: words) { raw in
        for index in 0..<8 {
          let word = raw.load(fromByteOffset: index * 4, as: UInt32.self)
          for digit in 0..<8 {
            let nibble = UInt8(truncatingIfNeeded: word >> UInt32(28 - digit * 4)) & 0xF
            out[index * 8 + digit] = nibble < 10 ? 0x30 + nibble : 0x57 + nibble
          }
        }
      }
      return 64
    }
  }

  /// One 64-byte block (FIPS 180-4 §6.2.2), the message schedule on the stack.
  private mutating func compress(_ block: UnsafeRawPointer) {
    withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { w in
      for index in 0..<16 {
        w[index] = UInt32(bigEndian: block.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self))
      }
      for index in 16..<64 {
        let s0 = w[index - 15].rotatedRight(7) ^ w[index - 15].rotatedRight(18) ^ (w[index - 15] >> 3)
        let s1 = w[index - 2].rotatedRight(17) ^ w[index - 2].rotatedRight(19) ^ (w[index - 2] >> 10)
        w[index] = w[index - 16] &+ s0 &+ w[index - 7] &+ s1
      }
      var (a, b, c, d, e, f, g, h) = (h0, h1, h2, h3, h4, h5, h6, h7)
      Self.k.withUnsafeBufferPointer { k in
        for index in 0..<64 {
          let s1 = e.rotatedRight(6) ^ e.rotatedRight(11) ^ e.rotatedRight(25)
          let choose = (e & f) ^ (~e & g)
          let temp1 = h &+ s1 &+ choose &+ k[index] &+ w[index]
          let s0 = a.rotatedRight(2) ^ a.rotatedRight(13) ^ a.rotatedRight(22)
          let majority = (a & b) ^ (a & c) ^ (b & c)
          let temp2 = s0 &+ majority
          (h, g, f, e, d, c, b, a) = (g, f, e, d &+ temp1, c, b, a, temp1 &+ temp2)
        }
      }
      h0 &+= a
      h1 &+= b
      h2 &+= c
      h3 &+= d
      h4 &+= e
      h5 &+= f
      h6 &+= g
      h7 &+= h
    }
  }
}

extension UInt32 {
  fileprivate func rotatedRight(_ count: UInt32) -> UInt32 { (self >> count) | (self << (32 - count)) }
}
