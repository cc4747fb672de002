import CertificateKit
import Domain
import Fluent
import Foundation
import SQLKit
import Vapor

/// Certificate stock, issuance and revocation, shared by the API and the web pages.
enum Certificates {
    static let maxOrderQuantity = 1_000_000

    // MARK: Parsing

    static func level(_ raw: String?, field: String = "level") throws -> Level {
        guard let raw, let l = Level(rawValue: raw) else {
            throw AppError.invalid(
                field: field, code: "unknown_level", "Level must be \"5\" (五级/初级工) … \"1\" (一级/高级技师)",
                "等级须为\"5\"（五级/初级工）至\"1\"（一级/高级技师）")
        }
        return l
    }

    static func money(_ raw: JSONValue?, field: String) throws -> Money {
        let text: String
        switch raw {
        case .string(let s)?: text = s
        case .number(let d)?: text = d.description
        default:
            throw AppError.invalid(
                field: field, code: "invalid_money", "An amount in yuan such as \"5.00\"", "须为以元为单位的金额，如\"5.00\"")
        }
        guard case .success(let m) = Money.parse(text) else {
            throw AppError.invalid(
                field: field, code: "invalid_money", "An amount in yuan, at most two decimals, not negative",
                "须为不为负、最多两位小数的金额（元）")
        }
        return m
    }

    /// A calendar date `YYYY-MM-DD` that is not in the future (Beijing time).
    static func pastDate(_ raw: String?, field: String, now: Date) throws -> String {
        guard let raw, let d = parseDay(raw) else {
            throw AppError.invalid(field: field, code: "invalid_date", "A date written YYYY-MM-DD", "日期格式应为 YYYY-MM-DD")
        }
        guard d <= now else {
            throw AppError.invalid(field: field, code: "future_date", "The date is in the future", "日期不能晚于今天")
        }
        return raw
    }

    static func parseDay(_ s: String) -> Date? {
        guard RegisterRules.isDay(s),
            let date = Period.calendar.date(
                from: DateComponents(
                    year: Int(s.prefix(4)),
                    month: Int(s.dropFirst(5).prefix(2)), day: Int(s.suffix(2))))
        else { return nil }
        return date
    }

    // MARK: Orders, allocation and payments

    /// The highest unit price the ministry may set, and so the largest amount an order can owe:
    /// 1,000,000 blanks × 10,000.00 yuan stays far inside 64-bit fen.
    static let maxUnitPrice = Money(fen: 1_000_000)

    static func order(
        unitCode: String, level: Level, quantity: Int, actor: User, on db: any Database
    ) async throws -> CertificateOrder {
        guard (1...maxOrderQuantity).contains(quantity) else {
            throw AppError.invalid(
                field: "quantity", code: "out_of_range", "Quantity: 1 to \(maxOrderQuantity)",
                "数量须为1至\(maxOrderQuantity)")
        }
        try await Reports.lockUnit(unitCode, active: true, on: db)
        let o = CertificateOrder(unitCode: unitCode, level: level.rawValue, quantity: quantity, orderedBy: actor.username)
        try await o.create(on: db)
        return o
    }

    /// Allocates the next free serial range (after every range allocated so far, so ranges never
    /// overlap) and fixes the amount due. Allocations are serialised across processes; the unique
    /// index on serial_from stays as the last guard. Runs inside a write transaction.
    static func allocate(_ id: UUID, unitPrice: Money, allocatedOn: String, on tx: any Database) async throws -> CertificateOrder
    {
        guard unitPrice.fen > 0, unitPrice.fen <= maxUnitPrice.fen else {
            throw AppError.invalid(
                field: "unitPriceYuan", code: "out_of_range",
                "The unit price must be above 0 and at most \(maxUnitPrice) yuan",
                "单价须大于0且不超过\(maxUnitPrice)元")
        }
        try await tx.lockForWrite(topic: "certificate-allocation")
        guard let o = try await CertificateOrder.find(id, on: tx) else {
            throw AppError.notFound("No such order", "没有该订单")
        }
        guard o.status == .pending else {
            throw AppError.conflict("wrong_state", "The order is already allocated", "该订单已分配")
        }
        let last = try await CertificateOrder.query(on: tx).max(\.$serialTo) ?? 0
        let (to, overflow) = last.addingReportingOverflow(Int64(o.quantity))
        guard !overflow, to <= Serials.maxSerial else {
            throw AppError.conflict("stock_exhausted", "No serial range of this size is left", "剩余证书编号不足以分配该数量")
        }
        o.serialFrom = last + 1
        o.serialTo = to
        o.unitPriceFen = unitPrice.fen
        o.dueFen = unitPrice.fen * Int64(o.quantity)  // ≤ 10^6 × 10^6 fen: cannot overflow
        o.allocatedOn = allocatedOn
        o.status = .allocated
        try await o.save(on: tx)
        return o
    }

    /// Records a payment. The order's row is locked first, so two payments racing each other
    /// both see the other's amount: what is paid never exceeds what is due (a CHECK-free
    /// invariant that `M007` backs with positive-amount checks). Runs inside a write transaction.
    static func pay(
        _ id: UUID, amount: Money, paidOn: String, actor: User, on tx: any Database
    ) async throws -> CertificatePayment {
        guard amount.fen > 0 else {
            throw AppError.invalid(field: "amountYuan", code: "not_positive", "The amount must be above zero", "金额须大于零")
        }
        try await tx.lockForWrite("certificate_orders", "id", id)
        guard let o = try await CertificateOrder.find(id, on: tx) else {
            throw AppError.notFound("No such order", "没有该订单")
        }
        guard o.status == .allocated, let due = o.dueFen, let allocatedOn = o.allocatedOn else {
            throw AppError.conflict("wrong_state", "Payments are recorded against allocated orders", "只能对已分配的订单登记缴款")
        }
        guard paidOn >= allocatedOn else {
            throw AppError.invalid(
                field: "paidOn", code: "before_allocation", "Paid before the order was allocated (\(allocatedOn))",
                "缴款日期早于分配日期（\(allocatedOn)）")
        }
        // Summed here: PostgreSQL's SUM of a bigint is a numeric, SQLite's an integer.
        let paid = try await CertificatePayment.query(on: tx).filter(\.$order.$id == id).all(\.$amountFen).reduce(0, +)
        guard amount.fen <= due - paid else {
            throw AppError.invalid(
                field: "amountYuan", code: "exceeds_due",
                "Only \(Money(fen: due - paid)) yuan remain due on this order",
                "该订单尚欠\(Money(fen: due - paid))元，金额超出应缴款")
        }
        let p = CertificatePayment(
            orderID: id, unitCode: o.unitCode, amountFen: amount.fen, paidOn: paidOn,
            recordedBy: actor.username)
        try await p.create(on: tx)
        return p
    }

    /// Amounts due and paid for certificates from 1 January to the end of `period`, from the ledger.
    static func ledger(unit: String, period: Period, on db: any Database) async throws -> ReportValues.Payment {
        let from = String(format: "%04d-01-01", period.year)
        let to = period.lastDay
        let due = try await CertificateOrder.query(on: db).filter(\.$unit.$id == unit).filter(\.$status == .allocated)
            .filter(\.$allocatedOn >= from).filter(\.$allocatedOn <= to).all(\.$dueFen).compactMap { $0 }.reduce(0, +)
        let paid = try await CertificatePayment.query(on: db).filter(\.$unit.$id == unit)
            .filter(\.$paidOn >= from).filter(\.$paidOn <= to).all(\.$amountFen).reduce(0, +)
        return .init(dueYuan: Money(fen: due), paidYuan: Money(fen: paid))
    }

    // MARK: Serial ranges

    struct Range: Sendable {
        let from: Int64
        let to: Int64
        let unitCode: String
        let level: String
    }

    static func ranges(unit: String? = nil, on db: any Database) async throws -> [Range] {
        var q = CertificateOrder.query(on: db).filter(\.$status == .allocated)
        if let unit { q = q.filter(\.$unit.$id == unit) }
        return try await q.all().compactMap { o in
            guard let f = o.serialFrom, let t = o.serialTo else { return nil }
            return Range(from: f, to: t, unitCode: o.unitCode, level: o.level)
        }.sorted { $0.from < $1.from }
    }

    static func owner(of serial: Int64, in ranges: [Range]) -> Range? {
        // Ranges are sorted and disjoint: binary search.
        var lo = 0
        var hi = ranges.count - 1
        while lo <= hi {
            let mid = (lo + hi) / 2
            if serial < ranges[mid].from {
                hi = mid - 1
            } else if serial > ranges[mid].to {
                lo = mid + 1
            } else {
                return ranges[mid]
            }
        }
        return nil
    }
}
