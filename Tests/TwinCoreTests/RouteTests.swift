import Testing
import TwinCore

private let now = DecodingFixture.now

struct RouteTests {
    @Test func composedAssetFromSeveralVariables() throws {
        let decoder = try DecodingFixture.decoder("plant/{site}/{line}/{asset}", .json, asset: "{site}.{line}:{asset}")
        let result = decoder.decode("plant/berlin/l2/press-7", #"{"temp":1}"#)
        #expect(result.readings.map(\.asset) == ["berlin.l2:press-7"])
    }

    @Test func fixedAssetAndFixedMetric() throws {
        let decoder = try DecodingFixture.decoder(
            "sensors/boiler/temperature", .number, asset: "boiler-1", metric: "water.temp"
        )
        #expect(decoder.decode("sensors/boiler/temperature", "81.5").readings
            == [Reading(asset: "boiler-1", metric: "water.temp", timestamp: now, value: 81.5)])
    }

    @Test func metricPrefixForNamedFormats() throws {
        let decoder = try DecodingFixture.decoder("twin/{asset}/{subsystem}", .json, metric: "{subsystem}")
        let result = decoder.decode("twin/m1/motor", #"{"temp":71,"state":"run"}"#)
        #expect(result.values == ["motor.temp": 71])
        #expect(result.properties.map(\.key) == ["motor.state"])
    }

    @Test func firstMatchingRouteWins() throws {
        let decoder = MessageDecoder(routes: [
            try Route(template: "twin/{asset}/raw/{metric}", format: .number),
            try Route(template: "twin/{asset}/#", format: .json),
        ])
        #expect(decoder.decode("twin/m1/raw/temp", "5").values == ["temp": 5])
        #expect(decoder.decode("twin/m1/telemetry", #"{"temp":6}"#).values == ["temp": 6])
        let unmatched = decoder.decode("other/m1", "5")
        #expect(unmatched.reason == .noRoute)
        #expect(unmatched.detail.contains("other/m1"))
    }

    @Test(arguments: [
        ("twin/{device}", PayloadFormat.json, "{asset}", nil as String?,
         "no {asset} variable, so the route needs an asset pattern such as \"{device}\" in \"twin/{device}\""),
        ("twin/{asset}", .number, "{asset}", nil,
         "a number payload has no metric name: add a {metric} variable or give the route a metric in \"twin/{asset}\""),
        ("twin/{asset}", .json, "{site}.{asset}", nil,
         "unknown variable 'site' (the template \"twin/{asset}\" has: asset) at column 1 in \"{site}.{asset}\""),
        ("twin/{asset}", .json, "{asset}/x", nil, "character '/' is not allowed here at column 8 in \"{asset}/x\""),
        ("twin/{asset}", .json, "{asset", nil, "unclosed '{' at column 1 in \"{asset\""),
        ("twin/{asset}", .json, "{asset}", "m}", "unexpected '}' at column 2 in \"m}\""),
        ("twin/{asset}", .number, "{asset}", "{metric}",
         "unknown variable 'metric' (the template \"twin/{asset}\" has: asset) at column 1 in \"{metric}\""),
        ("twin/{asset}", .number, "{asset}", "", "empty metric pattern in \"\""),
        ("twin/{asset", .json, "{asset}", nil, "unclosed '{' at column 6 in \"twin/{asset\""),
    ])
    func invalidRoutes(template: String, format: PayloadFormat, asset: String, metric: String?, message: String) {
        do {
            _ = try Route(template: template, format: format, asset: asset, metric: metric)
            Issue.record("expected an error")
        } catch {
            #expect(error.description == message)
        }
    }

    @Test func influxRouteWithoutAssetVariableIsAllowed() throws {
        #expect(try Route(template: "influx/ingest", format: .influx).template.variables == [])
    }
}
