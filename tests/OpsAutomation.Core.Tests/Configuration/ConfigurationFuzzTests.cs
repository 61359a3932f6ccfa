using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Health;
using OpsAutomation.Core.Http;
using OpsAutomation.Core.Logging;
using OpsAutomation.Core.Pipelines.Spec;
using OpsAutomation.Core.Tests.TestSupport;

namespace OpsAutomation.Core.Tests.Configuration;

/// <summary>
/// Random and adversarial pipeline specs and health catalogs (JSON and YAML; the psd1 reader is
/// the module's): a spec, bound definitions, or a ConfigurationException naming the file, never
/// another exception, a hang or a stack overflow.
/// </summary>
public sealed class ConfigurationFuzzTests : IDisposable
{
    // examples/pipelines/orders.psd1 and examples/services.psd1 in the other two formats.
    private const string SpecYaml = """
        Name: orders
        Source: { Type: Csv, Path: data/orders.csv, Delimiter: ',' }
        Validation:
          Schema: orders.schema.json
          Mode: Lazy
          Columns:
            order_id: { Type: integer, Nullable: false, Unique: true }
            email: { Type: string, Nullable: false, Pattern: '^[^@\s]+@[^@\s]+\.[a-z]{2,}$' }
            quantity: { Type: integer, Minimum: 1, Maximum: 1000 }
            unit_price: { Type: decimal, Minimum: 0 }
            order_date: { Type: date, Nullable: false }
            status: { Allowed: [new, paid, shipped, test] }
          Expressions: ['ship_date == null or ship_date >= order_date']
        Transforms:
          - Filter: "status != 'test'"
          - Derive: { total: 'quantity * unit_price' }
          - Rename: { email: customer_email }
          - Drop: internal_note
          - Default: { status: new }
          - Cast: { quantity: decimal }
        Sink: { Type: Sqlite, Path: orders.db, Table: orders, Key: order_id }
        DeadLetters: { Path: rejects.jsonl }
        BatchSize: 1000
        Retry: { Count: 5, BaseDelayMs: 200 }
        """;

    private const string SpecJson = """
        { "Name": "orders", "Steps": [
          { "Name": "load", "Source": { "Type": "JsonLines", "Path": "in.jsonl" }, "Validation": { "Columns": { "id": { "Type": "integer" } } },
            "Sink": { "Type": "Csv", "Path": "out.csv" }, "Parallelism": 2, "MaxRejectionRate": 0.5 },
          { "Name": "after", "DependsOn": ["load"], "Source": { "Type": "Pipeline", "Step": "load" }, "Sink": { "Type": "JsonLines", "Path": "o.jsonl" } } ],
          "Alerting": { "Channels": [ { "Type": "Slack", "Uri": "env:SLACK_URL" } ] } }
        """;

    private const string CatalogYaml = """
        Settings: { ThrottleLimit: 16, TimeoutSec: 3, RetryCount: 1, HistoryRetentionDays: 30 }
        Defaults: { Owner: platform-team, Severity: Warning, CircuitBreakerThreshold: 5, CircuitBreakerCooldownSec: 300 }
        Services:
          - { Name: elasticsearch, Kind: Elasticsearch, Uri: '${ELASTICSEARCH_URL:-http://localhost:9200}', Severity: Critical, Tags: [data, search] }
          - { Name: prometheus, Kind: Prometheus, Uri: 'http://localhost:9090', MaxTargetsDownRatio: 0.1 }
          - { Name: grafana, Kind: Grafana, Uri: 'http://localhost:3000', MaxResponseTimeSec: 1 }
          - { Name: shop, Kind: KubernetesWorkload, Namespace: shop, LabelSelector: 'app=shop', RestartWindowMin: 30 }
          - { Name: dns, Kind: Dns, Uri: localhost }
          - { Name: db, Uri: 'tcp://127.0.0.1:5432' }
          - Name: report
            Uri: http://127.0.0.1:8765/healthz
            JsonCondition: 'status == "ok" and count > 2'
            HeaderPattern: { Content-Type: '^application/json' }
            ExpectedStatusCode: [200, 204]
        Alerting: { FailureThreshold: 3, SuccessThreshold: 2, SendResolved: true, Channels: [ { Type: Alertmanager, Uri: 'http://localhost:9093' } ] }
        """;

    private const string CatalogJson = """
        { "Services": [ { "Name": "web", "Uri": "https://example.test/health", "TimeoutSec": 3, "ExpectedStatusCode": [200, 204],
            "Credential": { "UserName": "u", "Password": "env:NO_SUCH_PASSWORD" } },
          { "Name": "k8s", "Kind": "Kubernetes", "Severity": "Critical" }, { "Name": "cert", "Uri": "tls://127.0.0.1:443", "CertificateWarningDays": 10 } ],
          "Defaults": { "Owner": "me" } }
        """;

    private static readonly string[] Tokens =
    [
        "{", "}", "[", "]", ",", ":", ": ", "\"", "'", "-", "- ", "&a ", "*a", "!!str ", "!!int ", "~", "null", "true", "1e400", "-1", "0", "99999999999999999999",
        "\n", "\n  ", "#", "Name", "Uri", "Type", "Kind", "Steps", "Source", "Sink", "Validation", "Columns", "Expressions", "Transforms", "DependsOn",
        "Services", "Defaults", "Settings", "TimeoutSec", "env:", "file:", "${X:-", "://", "http://", "tcp://", "%", "<<: *a",
    ];

    private static readonly (string, string)[] Nesting = [("[", "]"), ("{a: ", "}"), ("{\"a\": ", "}")];

    private readonly TempDirectory _directory = new();
    private readonly HttpClientProvider _http = new();

    public ConfigurationFuzzTests() =>
        File.Copy(Path.Combine(AppContext.BaseDirectory, "examples", "pipelines", "orders.schema.json"), Path.Combine(_directory.Path, "orders.schema.json"));

    public void Dispose()
    {
        _http.Dispose();
        _directory.Dispose();
    }

    // As bytes: an input may hold a lone surrogate, which becomes U+FFFD as in any file a user writes.
    private string Write(string name, string input)
    {
        var path = Path.Combine(_directory.Path, name);
        File.WriteAllBytes(path, System.Text.Encoding.UTF8.GetBytes(input));
        return path;
    }

    [Theory]
    [InlineData(".yaml")]
    [InlineData(".json")]
    public void Mutated_pipeline_specs_read_or_fail_with_ConfigurationException(string extension)
    {
        var context = new PipelineSpecContext
        {
            Checkpoints = null!,
            Time = TimeProvider.System,
            Secrets = new SecretResolver(),
            Redactor = new SecretRedactor(),
            Http = _http,
            SinkRequired = true,
        };
        new Fuzz([SpecYaml, SpecJson], Tokens, Nesting).Run(250, input =>
        {
            var path = Write("spec" + extension, input);
            Fuzz.Allowing<ConfigurationException>(() => PipelineSpecReader.Read(new ConfigurationFileReader().ReadMap(path), path, _directory.Path, context));
        });
    }

    [Theory]
    [InlineData(".yaml")]
    [InlineData(".json")]
    public void Mutated_health_catalogs_bind_or_fail_with_ConfigurationException(string extension)
    {
        var settings = new OpsSettings { StatePath = _directory.Path };
        new Fuzz([CatalogYaml, CatalogJson], Tokens, Nesting).Run(250, input =>
        {
            var path = Write("catalog" + extension, input);
            Fuzz.Allowing<ConfigurationException>(() => HealthCatalog.Read(path, new ConfigurationFileReader()).Bind(null, settings, _ => null));
        });
    }
}
