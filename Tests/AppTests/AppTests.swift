import Domain
import Foundation
import Testing
import Vapor
import VaporTesting

@testable import App

/// The root suite: serialized, because on PostgreSQL every test shares one database.
@Suite(.serialized) struct AppTests {}
