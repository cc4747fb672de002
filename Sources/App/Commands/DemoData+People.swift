import CertificateKit
import Domain
import Fluent
import Foundation
import Vapor

/// The demo's people: logins with generated passwords, and certificate holders with names and
/// resident ID numbers that pass GB 11643.
extension DemoData {
    static let passwordAlphabet = Array("abcdefghijkmnpqrstuvwxyz23456789")

    /// A login per unit (its code, lower-cased; role `unit`) and one for the first supervisor of
    /// each of `supervisorLoginUnits` (its licence number, lower-cased; role `supervisor`), with
    /// passwords from a generator of their own, so that the rest of the data does not depend on
    /// when they are hashed.
    static func credentials(_ plan: Plan) -> [Credential] {
        // Never from the seed: a seed in the public source would make every demo install's logins known.
        var rng = SystemRandomNumberGenerator()
        var wanted: [(String, User.Role, String)] = plan.unitCodes.map { (plan.username($0), .unit, $0) }
        for unit in supervisorLoginUnits where plan.unitCodes.contains(unit) {
            wanted.append((supervisorLogin(unit), .supervisor, unit))
        }
        return wanted.map { name, role, unit in
            let password = (0..<3).map { _ in String((0..<4).map { _ in passwordAlphabet.randomElement(using: &rng)! }) }
                .joined(separator: "-")
            return Credential(username: name, role: role, unit: unit, password: password)
        }
    }

    static func supervisorLogin(_ unit: String) -> String { "dd-\(unit.lowercased())-0001" }

    /// Bcrypt is slow on purpose: the passwords are hashed on the application's own pool (as
    /// `POST /api/v1/users` hashes them) while the registers are written.
    static func hashing(_ credentials: [Credential], pool: PasswordPool) -> Task<[String], any Error> {
        Task {
            try await withThrowingTaskGroup(of: (Int, String).self) { group in
                for (i, c) in credentials.enumerated() { group.addTask { (i, try await pool.hash(c.password)) } }
                var out = [String](repeating: "", count: credentials.count)
                for try await (i, h) in group { out[i] = h }
                return out
            }
        }
    }

    /// The logins, written once their hashes are ready; the passwords are returned once, in the summary.
    static func makeUsers(_ app: Application, _ plan: Plan, _ state: State) async throws {
        guard let hashing = state.hashing else { return }
        let credentials = state.credentials
        let hashes = try await hashing.value
        let users = zip(credentials, hashes).map { c, hash in
            let u = User(username: c.username, passwordHash: hash, role: c.role, unitCode: c.unit)
            u.id = state.uuid()
            // A supervisor's login acts for its entry in the register.
            u.supervisorID = state.supervisorLogins.first { $0.value == c.username }?.key
            return u
        }
        try await app.write { tx in try await users.create(on: tx) }
        for u in users { state.users[u.username] = u }
        state.summary.users = credentials
    }

    static let surnames = Array("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史黎贺顾毛郝龚邵万钱覃武戴孔")
    static let givenNames = [
        "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英",
        "霞", "平", "刚", "桂英", "建华", "志强", "海燕", "晓东", "红梅", "建国", "丽华", "文杰", "欣怡", "子涵",
        "浩然", "雨轩", "梓萱", "宇航", "佳怡", "俊杰", "思远", "春燕", "国强", "玉兰", "德胜", "长青", "小燕",
        "立新", "振华", "晓明", "淑珍", "永红",
    ]

    static func personName(_ state: State) -> String { String(state.pick(surnames)) + state.pick(givenNames) }

    /// A resident ID number of GB 11643: an area code in the holder's region, a birth date, a
    /// sequence number and the ISO 7064 MOD 11-2 check character.
    static func idNumber(region: String, _ state: State) -> String {
        let province = region.hasPrefix("66") ? "65" : String(region.prefix(2))
        let area = province + "01" + String(format: "%02d", state.int(1...9))
        let year = state.int(1966...2004)
        let month = state.int(1...12)
        let dayOfMonth = state.int(1...28)
        let first17 = area + String(format: "%04d%02d%02d%03d", year, month, dayOfMonth, state.int(1...999))
        return first17 + String(IDNumber.checkCharacter(for: first17)!)
    }
}
