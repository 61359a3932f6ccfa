using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using OpsAutomation.Core.Alerting.Rules;
using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Health;
using OpsAutomation.Core.Incidents.Diagnostics;
using OpsAutomation.Core.State;
using OpsAutomation.Core.Tests.TestSupport;
using OpsAutomation.Models.Health;

namespace OpsAutomation.Core.Tests.Incidents.Diagnostics;

/// <summary>The catalog's Queries key and the sources that read the module's own state.</summary>
public sealed class ServiceSourcesTests : IDisposable
{
    private static readonly OpsSettings Settings = new() { StatePath = "/tmp/unused" };
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 10, 0, 0, TimeSpan.Zero));

    public void Dispose() => _dir.Dispose();

    private IReadOnlyList<HealthCheckDefinition> Bind(string content) =>
        HealthCatalog.Read(_dir.File("services.json", content), new ConfigurationFileReader()).Bind(null, Settings, _ => null);

    [Fact]
    public void A_catalog_entry_names_its_Prometheus_queries()
    {
        var definition = Bind("""{ "Services": [ { "Name": "web", "Uri": "https://web.test/health", "Queries": { "errors": "sum(rate(http_requests_total{code=~\"5..\"}[5m]))", "up": "up{job=\"web\"}" } } ] }""").Single();
        Assert.Equal(2, definition.Queries.Count);
        Assert.Equal("up{job=\"web\"}", definition.Queries["UP"]);
    }

    [Fact]
    public void An_empty_query_is_an_error_naming_the_file_and_key()
    {
        var ex = Assert.Throws<ConfigurationException>(() => Bind("""{ "Services": [ { "Name": "web", "Uri": "https://web.test/health", "Queries": { "errors": " " } } ] }"""));
        Assert.Contains("the query 'errors' is empty", ex.Message, StringComparison.Ordinal);
        Assert.Contains("services.json", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Queries.errors", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_query_is_evaluated_a_refused_one_keeps_its_error_and_the_summary_gives_the_values()
    {
        var engine = new Engine(e => e == "bad("
            ? QueryResult.Failed("Prometheus refused the query (bad_data): parse error")
            : new QueryResult([new QuerySample(new Dictionary<string, string> { ["code"] = "500" }, 0.25)], null));
        var source = new PrometheusQueriesSource(engine, new Dictionary<string, string> { ["errors"] = "rate(x[5m])", ["broken"] = "bad(" }, _time);

        var content = await source.CollectAsync(CancellationToken.None);

        using var json = JsonDocument.Parse(content.Text);
        Assert.Equal("0.25", json.RootElement.GetProperty("errors").GetProperty("samples")[0].GetProperty("value").GetString());
        Assert.Contains("parse error", json.RootElement.GetProperty("broken").GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(["broken: Prometheus refused the query (bad_data): parse error", "errors: {code=\"500\"} 0.25"], content.Findings.Select(f => f.Text));
    }

    [Fact]
    public async Task An_unreachable_Prometheus_fails_the_source_and_no_queries_or_no_server_skips_it()
    {
        var down = new Engine(_ => QueryResult.NotReached("http://127.0.0.1:1/api/v1/query could not be queried: connection refused"));
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => new PrometheusQueriesSource(down, new Dictionary<string, string> { ["a"] = "up" }, _time).CollectAsync(CancellationToken.None));
        Assert.Contains("connection refused", ex.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<DiagnosticSkippedException>(() => new PrometheusQueriesSource(down, new Dictionary<string, string>(), _time).CollectAsync(CancellationToken.None));
        await Assert.ThrowsAsync<DiagnosticSkippedException>(() => new PrometheusQueriesSource(null, new Dictionary<string, string> { ["a"] = "up" }, _time).CollectAsync(CancellationToken.None));
    }

    [Fact]
    public async Task The_health_history_says_how_many_recent_checks_failed_and_the_last_error()
    {
        var store = await StateStore.OpenAsync(_dir.Path, CancellationToken.None);
        var history = new HealthHistoryStore(store);
        HealthCheckResult Result(HealthStatus status, int minutes, string? error = null) => new()
        {
            Name = "web", Kind = HealthCheckKind.Http, Target = "https://web.test/health", Status = status, RunId = "r", Error = error,
            Timestamp = _time.GetUtcNow().AddMinutes(minutes),
        };
        await history.AppendAsync([Result(HealthStatus.Healthy, -3), Result(HealthStatus.Unhealthy, -2, "HTTP 503"), Result(HealthStatus.Unreachable, -1, "connection refused")], CancellationToken.None);

        var content = await new HealthHistorySource(history, "web", 50).CollectAsync(CancellationToken.None);

        Assert.Equal("2 of the last 3 checks of web failed; the last at 2026-12-07 09:59:00Z: Unreachable: connection refused", content.Findings.Single().Text);
        await Assert.ThrowsAsync<DiagnosticSkippedException>(() => new HealthHistorySource(history, "other", 50).CollectAsync(CancellationToken.None));
    }

    private sealed class Engine(Func<string, QueryResult> answer) : IRuleQueryEngine
    {
        public Task<QueryResult> QueryAsync(string expression, DateTimeOffset time, CancellationToken cancellationToken) => Task.FromResult(answer(expression));
    }
}
