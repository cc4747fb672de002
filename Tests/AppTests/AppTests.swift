@testable import App
import Domain
import Foundation
import Testing
import Vapor
import VaporTesting

/// The root suite: serialized, because on PostgreSQL every test shares one database.
@Suite(.serialized) struct AppTests {}
