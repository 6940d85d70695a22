import Testing
import TwinCore

struct TopicTemplateTests {
    @Test func variablesAndSubscriptionFilter() throws {
        let template = try TopicTemplate("plant/{site}/{line}/{asset}/{metric}")
        #expect(template.pattern == "plant/{site}/{line}/{asset}/{metric}")
        #expect(template.variables == ["site", "line", "asset", "metric"])
        #expect(template.subscriptionFilter == "plant/+/+/+/+")
        #expect(try TopicTemplate("twin/{asset}/#").subscriptionFilter == "twin/+/#")
        #expect(try TopicTemplate("fixed/topic").subscriptionFilter == "fixed/topic")
        #expect(try TopicTemplate("fixed/topic").variables == [])
    }

    @Test func matchesAndCaptures() throws {
        let template = try TopicTemplate("plant/{site}/{line}/{asset}/{metric}")
        let captures = try #require(template.match("plant/berlin/l2/press-7/temp"))
        #expect(captures == ["site": "berlin", "line": "l2", "asset": "press-7", "metric": "temp"])
        #expect(try TopicTemplate("twin/{asset}/telemetry").match("twin/m1/telemetry") == ["asset": "m1"])
        #expect(try TopicTemplate("a/b").match("a/b") == [:])
        #expect(try TopicTemplate("twin/{asset}").match("twin/ünï") == ["asset": "ünï"])
    }

    @Test(arguments: [
        "plant/berlin/l2/press-7",  // too few levels
        "plant/berlin/l2/press-7/temp/extra",  // too many
        "plnt/berlin/l2/press-7/temp",  // literal differs
        "plant2/berlin/l2/press-7/temp",  // literal is a prefix of the level
        "",
        "/plant/berlin/l2/press-7/temp",
        "plant/berlin/l2/press-7/temp/",
    ])
    func nonMatchingTopics(topic: String) throws {
        #expect(try TopicTemplate("plant/{site}/{line}/{asset}/{metric}").match(topic) == nil)
    }

    @Test func variableMatchesAnEmptyLevel() throws {
        // MQTT's '+' matches an empty level too; the decoder then rejects the empty asset or metric.
        #expect(try TopicTemplate("twin/{asset}/x").match("twin//x") == ["asset": ""])
    }

    @Test func hashTailMatchesTheParentAndAnyDepth() throws {
        let template = try TopicTemplate("twin/{asset}/#")
        #expect(template.match("twin/m1") == ["asset": "m1"])
        #expect(template.match("twin/m1/") == ["asset": "m1"])
        #expect(template.match("twin/m1/a") == ["asset": "m1"])
        #expect(template.match("twin/m1/a/b/c") == ["asset": "m1"])
        #expect(template.match("twin") == nil)
        #expect(template.match("other/m1/a") == nil)
        #expect(try TopicTemplate("#").match("any/thing") == [:])
    }

    @Test(arguments: [
        ("twin/{asset/telemetry", "unclosed '{' at column 6 in \"twin/{asset/telemetry\""),
        ("", "empty topic template in \"\""),
        ("twin/{}/x", "empty variable name at column 7 in \"twin/{}/x\""),
        ("twin/{as set}", "invalid character ' ' in variable name at column 9 in \"twin/{as set}\""),
        ("twin/{1st}", "a variable name cannot start with a digit at column 7 in \"twin/{1st}\""),
        ("twin/{a}/{a}", "variable 'a' appears twice at column 10 in \"twin/{a}/{a}\""),
        ("twin/dev-{asset}", "a variable must fill a whole level; unexpected '{' at column 10 in \"twin/dev-{asset}\""),
        ("twin/{asset}x",
         "a variable must fill a whole level; unexpected text after '}' at column 13 in \"twin/{asset}x\""),
        ("twin/a}", "a variable must fill a whole level; unexpected '}' at column 7 in \"twin/a}\""),
        ("twin/#/x", "'#' must be the last level at column 6 in \"twin/#/x\""),
        ("twin/a#", "'#' is an MQTT wildcard; use a {name} variable at column 7 in \"twin/a#\""),
        ("twin/+/x", "'+' is an MQTT wildcard; use a {name} variable at column 6 in \"twin/+/x\""),
    ])
    func parsingErrors(pattern: String, message: String) {
        #expect(throws: TopicTemplateError.self) { try TopicTemplate(pattern) }
        do {
            _ = try TopicTemplate(pattern)
        } catch {
            #expect(error.description == message)
        }
    }

    @Test func equalTemplatesAreEqual() throws {
        #expect(try TopicTemplate("a/{b}") == TopicTemplate("a/{b}"))
        #expect(try TopicTemplate("a/{b}") != TopicTemplate("a/{c}"))
        #expect(Set([try TopicTemplate("a/{b}"), try TopicTemplate("a/{b}")]).count == 1)
    }
}
