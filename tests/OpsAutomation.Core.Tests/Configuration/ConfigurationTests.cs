using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Health;
using OpsAutomation.Core.Tests.TestSupport;
using OpsAutomation.Models.Health;

namespace OpsAutomation.Core.Tests.Configuration;

public sealed class ConfigurationTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly ConfigurationFileReader _reader = new();
    private static readonly OpsSettings Defaults = new() { StatePath = "/tmp/unused" };

    public void Dispose() => _dir.Dispose();

    private IReadOnlyList<HealthCheckDefinition> Bind(string name, string content, Func<string, string?>? env = null) =>
        HealthCatalog.Read(_dir.File(name, content), _reader).Bind(null, Defaults, env ?? (_ => null));

    [Fact]
    public void Json_and_yaml_catalogs_bind_to_the_same_definitions()
    {
        var json = Bind("c.json", """{ "Services": [ { "Name": "web", "Uri": "https://example.test/health", "TimeoutSec": 3, "ExpectedStatusCode": [200, 204] } ] }""");
        var yaml = Bind("c.yaml", "Services:\n  - Name: web\n    Uri: https://example.test/health\n    TimeoutSec: 3\n    ExpectedStatusCode: [200, 204]\n");
        foreach (var definition in new[] { json[0], yaml[0] })
        {
            Assert.Equal("web", definition.Name);
            Assert.Equal(HealthCheckKind.Http, definition.Kind);
            Assert.Equal(TimeSpan.FromSeconds(3), definition.Timeout);
            Assert.Equal([200, 204], definition.ExpectedStatusCodes);
        }
    }

    [Fact]
    public void A_json_file_nested_deeper_than_the_limit_is_a_located_error()
    {
        var text = "{ \"Services\":\n" + new string('[', 100_000) + new string(']', 100_000) + "}";

        var ex = Assert.Throws<ConfigurationException>(() => Bind("c.json", text));

        Assert.Equal(2, ex.Line);
        Assert.Contains($"maximum configured depth of {JsonConfigurationFormat.MaxDepth}", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"(column {JsonConfigurationFormat.MaxDepth})", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("c.json", "{ \"Services\": [ { \"Name\": \"a\", ", "not valid JSON", 1)]
    [InlineData("c.yaml", "Services:\n  - Name: a\n    Uri: a: b\n", "not valid YAML", 3)]
    public void A_malformed_file_names_the_file_and_the_line(string file, string content, string message, int line)
    {
        var ex = Assert.Throws<ConfigurationException>(() => Bind(file, content));
        Assert.Contains(file, ex.Message);
        Assert.Contains(message, ex.Message);
        Assert.Equal(line, ex.Line);
    }

    [Theory]
    [InlineData("{ \"Services\": [ { \"Name\": \"a\", \"Kind\": \"Ftp\", \"Uri\": \"http://x\" } ] }", "unknown kind 'Ftp'", "Services[0].Kind")]
    [InlineData("{ \"Services\": [ { \"Name\": \"a\", \"Uri\": \"http//broken\" } ] }", "cannot tell the kind of 'http//broken'", "Services[0].Uri")]
    [InlineData("{ \"Services\": [ { \"Name\": \"a\", \"Kind\": \"Http\", \"Uri\": \"ftp://x\" } ] }", "'ftp://x' is not an absolute http", "Services[0].Uri")]
    [InlineData("{ \"Services\": [ { \"Name\": \"a\", \"Uri\": \"http://x\", \"TimeoutSec\": -1 } ] }", "-1 is out of range", "Services[0].TimeoutSec")]
    [InlineData("{ \"Services\": [ { \"Name\": \"a\", \"Uri\": \"http://x\" }, { \"Name\": \"A\", \"Uri\": \"http://y\" } ] }", "duplicate service name 'A'", "Services[1].Name")]
    [InlineData("{ \"Services\": [ { \"Name\": \"a\", \"Uri\": \"http://x\", \"Timeout\": 3 } ] }", "unknown key", "Services[0].Timeout")]
    [InlineData("{ \"Services\": [ { \"Name\": \"a\", \"Uri\": \"http://x\", \"Credential\": { \"UserName\": \"u\", \"Password\": \"hunter2\" } } ] }", "never clear text", "Services[0].Credential.Password")]
    [InlineData("{ \"Services\": [ { \"Name\": \"a\", \"Uri\": \"http://x\", \"BodyPattern\": \"([\" } ] }", "not a valid regular expression", "Services[0].BodyPattern")]
    [InlineData("{ \"Services\": [ { \"Name\": \"a\", \"Uri\": \"http://x\", \"JsonCondition\": \"status = green\" } ] }", "no operator", "Services[0].JsonCondition")]
    [InlineData("{ \"Services\": [ { \"Name\": \"a\", \"Kind\": \"Elasticsearch\", \"Uri\": \"http://x\", \"ApiKey\": \"hunter2\" } ] }", "never clear text", "Services[0].ApiKey")]
    [InlineData("{ \"Services\": [ { \"Name\": \"a\", \"Uri\": \"http://x\", \"Severity\": \"Urgent\" } ] }", "unknown severity 'Urgent'", "Services[0].Severity")]
    [InlineData("{ \"Services\": [ { \"Kind\": \"KubernetesWorkload\", \"Namespace\": \"shop\" } ] }", "without a target needs a Name", "Services[0].Name")]
    [InlineData("{ \"Defaults\": { \"Uri\": \"http://x\" }, \"Services\": [ { \"Name\": \"a\", \"Uri\": \"http://x\" } ] }", "unknown key", "Defaults.Uri")]
    [InlineData("{ \"Defaults\": { \"TimeoutSec\": 0 }, \"Services\": [ { \"Name\": \"a\", \"Uri\": \"http://x\" } ] }", "out of range", "Defaults.TimeoutSec")]
    public void A_bad_value_is_an_error_naming_the_key_and_value(string content, string message, string key)
    {
        var ex = Assert.Throws<ConfigurationException>(() => Bind("c.json", content));
        Assert.Contains(message, ex.Message);
        Assert.Equal(key, ex.Key);
        Assert.DoesNotContain("hunter2", ex.Message);
    }

    [Fact]
    public void Defaults_apply_to_every_service_that_does_not_set_its_own()
    {
        var defs = Bind("c.json", """
            { "Defaults": { "Severity": "Critical", "CircuitBreakerThreshold": 3, "Tags": ["prod"], "TimeoutSec": 2 },
              "Services": [ { "Name": "a", "Uri": "http://a" }, { "Name": "b", "Uri": "http://b", "Severity": "Info", "TimeoutSec": 7 } ] }
            """);
        Assert.Equal((HealthSeverity.Critical, 3, "prod", TimeSpan.FromSeconds(2)), (defs[0].Severity, defs[0].CircuitBreakerThreshold, defs[0].Tags[0], defs[0].Timeout));
        Assert.Equal((HealthSeverity.Info, 3, TimeSpan.FromSeconds(7)), (defs[1].Severity, defs[1].CircuitBreakerThreshold, defs[1].Timeout));
    }

    [Fact]
    public void Service_kinds_take_a_base_url_and_kubernetes_kinds_need_none()
    {
        var defs = Bind("c.json", """
            { "Services": [ { "Name": "es", "Kind": "Elasticsearch", "Uri": "https://es.internal:9200/proxy" },
                            { "Name": "shop", "Kind": "KubernetesWorkload", "Namespace": "shop", "LabelSelector": "app=web", "RestartWindowMin": 5 } ] }
            """);
        Assert.Equal("https://es.internal:9200/proxy/", defs[0].Target);
        Assert.Equal("", defs[1].Target);
        Assert.Equal(("shop", "app=web", TimeSpan.FromMinutes(5)), (defs[1].Namespace, defs[1].LabelSelector, defs[1].RestartWindow));
    }

    [Fact]
    public void Targets_expand_environment_placeholders_with_defaults()
    {
        var env = new Dictionary<string, string?> { ["ES_URL"] = "http://es.test:9200" };
        var defs = Bind("c.json", """{ "Services": [ { "Name": "es", "Uri": "${ES_URL}/_cluster/health" }, { "Name": "kb", "Uri": "${KIBANA_URL:-http://localhost:5601}/api/status" } ] }""",
            n => env.GetValueOrDefault(n));
        Assert.Equal("http://es.test:9200/_cluster/health", defs[0].Target);
        Assert.Equal("http://localhost:5601/api/status", defs[1].Target);
        var ex = Assert.Throws<ConfigurationException>(() => Bind("d.json", """{ "Services": [ { "Name": "x", "Uri": "${MISSING_URL}/" } ] }"""));
        Assert.Contains("MISSING_URL", ex.Message);
    }

    [Theory]
    [InlineData("db.internal:5432", HealthCheckKind.Tcp, "db.internal:5432")]
    [InlineData("tcp://db.internal:5432", HealthCheckKind.Tcp, "db.internal:5432")]
    [InlineData("dns://localhost", HealthCheckKind.Dns, "localhost")]
    [InlineData("https://a.test", HealthCheckKind.Http, "https://a.test/")]
    public void The_kind_is_inferred_from_the_target(string uri, HealthCheckKind kind, string target)
    {
        var definition = HealthCheckDefinitionBinder.Bind(new ConfigurationMap(new Dictionary<string, object?> { ["Uri"] = uri }, "parameters", ""), null, Defaults);
        Assert.Equal(kind, definition.Kind);
        Assert.Equal(target, definition.Target);
        Assert.Equal(target, definition.Name);
    }

    [Fact]
    public void Settings_layer_file_then_environment_then_parameters()
    {
        var file = new ConfigurationMap(new Dictionary<string, object?> { ["ThrottleLimit"] = 4L, ["TimeoutSec"] = 2L, ["RetryCount"] = 1L }, "app.psd1", "Settings");
        var env = new Dictionary<string, string?> { ["OPS_TIMEOUT_SEC"] = "7", ["OPS_RETRY_COUNT"] = "3" };
        var settings = SettingsLoader.Load(file, n => env.GetValueOrDefault(n), new Dictionary<string, object?> { ["RetryCount"] = 5L });
        Assert.Equal(4, settings.ThrottleLimit);
        Assert.Equal(7, settings.TimeoutSec);
        Assert.Equal(5, settings.RetryCount);
    }

    [Theory]
    [InlineData("Verbose", OpsAutomation.Core.Logging.OpsLogLevel.Debug)]
    [InlineData("warning", OpsAutomation.Core.Logging.OpsLogLevel.Warning)]
    public void Log_levels_accept_PowerShell_names(string name, OpsAutomation.Core.Logging.OpsLogLevel level)
    {
        var settings = SettingsLoader.Load(null, n => n == "OPS_LOG_LEVEL" ? name : null, new Dictionary<string, object?>());
        Assert.Equal(level, settings.LogLevel);
        var ex = Assert.Throws<ConfigurationException>(() => SettingsLoader.Load(null, n => n == "OPS_LOG_LEVEL" ? "Loud" : null, new Dictionary<string, object?>()));
        Assert.Contains("'Loud' is not a log level", ex.Message);
    }

    [Fact]
    public void A_bad_environment_setting_names_the_variable()
    {
        var ex = Assert.Throws<ConfigurationException>(() =>
            SettingsLoader.Load(null, n => n == "OPS_THROTTLE_LIMIT" ? "lots" : null, new Dictionary<string, object?>()));
        Assert.Equal("OPS_THROTTLE_LIMIT", ex.Key);
        Assert.Contains("'lots'", ex.Message);
    }

    [Theory]
    [InlineData("1", true)]
    [InlineData("true", true)]
    [InlineData("0", false)]
    [InlineData("False", false)]
    public void OPS_LOG_TO_CONSOLE_takes_1_and_0_as_well_as_true_and_false(string value, bool expected)
    {
        var settings = SettingsLoader.Load(null, n => n == "OPS_LOG_TO_CONSOLE" ? value : null, new Dictionary<string, object?>());
        Assert.Equal(expected, settings.LogToConsole);
    }

    [Fact]
    public void Secret_references_resolve_from_environment_and_file()
    {
        var resolver = new SecretResolver(n => n == "TOKEN" ? "s3cr3t-value" : null);
        Assert.Equal("s3cr3t-value", resolver.Resolve("env:TOKEN", "test"));
        _dir.File("pw.txt", "file-secret\n");
        Assert.Equal("file-secret", resolver.Resolve("file:pw.txt", "test", _dir.Path));
    }

    [Theory]
    [InlineData("env:NOT_SET", "environment variable NOT_SET is not set")]
    [InlineData("file:does-not-exist.txt", "the file cannot be read")]
    public void A_missing_secret_reference_is_a_clear_error(string reference, string message)
    {
        var ex = Assert.Throws<SecretReferenceException>(() => new SecretResolver(_ => null).Resolve(reference, "catalog.psd1, key 'Password'", _dir.Path));
        Assert.Contains(message, ex.Message);
        Assert.Contains(reference, ex.Message);
        Assert.StartsWith("catalog.psd1", ex.Message);
    }

    [Theory]
    [InlineData("secret:api-token", "api-token", null)]
    [InlineData("secret:ops-vault/api-token", "api-token", "ops-vault")]
    public void A_secret_reference_asks_the_secret_store_for_its_name_and_vault(string reference, string name, string? vault)
    {
        (string Name, string? Vault)? asked = null;
        var resolver = new SecretResolver(_ => null, (n, v) => { asked = (n, v); return "from-the-vault"; });
        Assert.Equal("from-the-vault", resolver.Resolve(reference, "test"));
        Assert.Equal((name, vault), asked);
        Assert.True(SecretResolver.IsReference(reference));
    }

    [Fact]
    public void A_secret_reference_without_a_secret_store_says_what_to_install()
    {
        var ex = Assert.Throws<SecretReferenceException>(() => new SecretResolver(_ => null).Resolve("secret:api-token", "catalog.yaml, key 'ApiKey'"));
        Assert.StartsWith("catalog.yaml, key 'ApiKey'", ex.Message);
        Assert.Contains("'secret:api-token'", ex.Message);
        Assert.Contains("Microsoft.PowerShell.SecretManagement", ex.Message);
    }

    [Fact]
    public void A_secret_the_store_cannot_give_names_the_reference_and_the_reason()
    {
        var resolver = new SecretResolver(_ => null, (n, _) => throw new SecretStoreException($"the secret {n} was not found"));
        var ex = Assert.Throws<SecretReferenceException>(() => resolver.Resolve("secret:gone", "test"));
        Assert.Contains("secret reference 'secret:gone': the secret gone was not found", ex.Message);
    }

    [Theory]
    [InlineData(4)]
    [InlineData(4L)]
    [InlineData(4.0)]
    [InlineData("4")]
    public void A_whole_number_reads_from_any_integer_type_a_caller_hands_over(object value)
    {
        var map = new ConfigurationMap(new Dictionary<string, object?> { ["BatchSize"] = value }, "parameters", "");
        Assert.Equal(4, map.GetInt("BatchSize", 1, 10));
    }
}
