using System.Text.RegularExpressions;
using Microsoft.Extensions.Time.Testing;
using OpsAutomation.Core.Deployment;
using OpsAutomation.Core.Incidents;
using OpsAutomation.Core.Reporting.Site;
using OpsAutomation.Core.State;
using OpsAutomation.Core.Tests.TestSupport;
using OpsAutomation.Models.Deployment;
using OpsAutomation.Models.Health;
using OpsAutomation.Models.Incidents;
using OpsAutomation.Models.Pipelines;

namespace OpsAutomation.Core.Tests.Reporting.Site;

/// <summary>The status site from a state store seeded through each capability's own store.</summary>
public sealed partial class OpsReportExporterTests : IDisposable
{
    private const string Hostile = "<img src=x onerror=alert(1)>";
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));

    public void Dispose() => _dir.Dispose();

    private string Site => Path.Combine(_dir.Path, "site");

    private async Task<StateStore> StoreAsync() => await StateStore.OpenAsync(Path.Combine(_dir.Path, "state"), CancellationToken.None);

    private OpsReportOptions Options => new() { Folder = Site, Title = "Ops & <co>", Window = TimeSpan.FromHours(6) };

    [Fact]
    public async Task An_empty_store_gives_every_page_saying_what_is_missing_and_how_to_fill_it()
    {
        var report = await new OpsReportExporter(await StoreAsync(), _time).ExportAsync(Options, CancellationToken.None);

        Assert.Equal(["deployments.html", "health.html", "index.html", "pipelines.html"], report.Pages);
        Assert.Equal(["Health", "Incidents", "Deployments", "Pipelines"], report.Missing);
        Assert.Null(report.OverallHealth);
        var index = await File.ReadAllTextAsync(report.Path);
        Assert.Contains("Test-ServiceHealth", index, StringComparison.Ordinal);
        Assert.Contains("Invoke-Deployment", index, StringComparison.Ordinal);
        Assert.Contains("Start-DataPipeline", index, StringComparison.Ordinal);
        Assert.Contains("New-Incident", index, StringComparison.Ordinal);
        foreach (var page in report.Pages) Assert.Contains("data-missing", await File.ReadAllTextAsync(Path.Combine(Site, page)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_seeded_store_gives_pages_whose_links_resolve_with_every_chart_and_every_value_encoded()
    {
        var store = await StoreAsync();
        await SeedAsync(store);

        var report = await new OpsReportExporter(store, _time).ExportAsync(Options with { MetricsUri = [new Uri("http://127.0.0.1:9464/metrics")] }, CancellationToken.None);

        Assert.Empty(report.Missing);
        Assert.Equal((HealthStatus.Unhealthy, 1, 1, 1, 2), (report.OverallHealth, report.Services, report.OpenIncidents, report.Deployments, report.PipelineRuns));
        var incidentPage = Assert.Single(report.Pages, p => p.StartsWith("incidents/", StringComparison.Ordinal) && p.EndsWith(".html", StringComparison.Ordinal));
        Assert.Contains(incidentPage[..^5] + ".md", report.Pages);
        var charts = new Dictionary<string, string[]>
        {
            ["index.html"] = ["health-timeline"],
            ["deployments.html"] = ["replicas", "gate"],
            ["pipelines.html"] = ["throughput", "rejects"],
            [incidentPage] = ["incident-timeline"],
        };
        foreach (var page in report.Pages.Where(p => p.EndsWith(".html", StringComparison.Ordinal)))
        {
            var html = await File.ReadAllTextAsync(Path.Combine(Site, page));
            Assert.Contains("default-src 'none'; style-src 'unsafe-inline'", html, StringComparison.Ordinal);
            Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(Hostile, html, StringComparison.Ordinal);
            Assert.DoesNotContain("<co>", html, StringComparison.Ordinal);
            foreach (var href in Hrefs(html).Where(h => !h.StartsWith("http", StringComparison.Ordinal)))
            {
                var target = Uri.UnescapeDataString(href.Split('#')[0]);
                Assert.True(File.Exists(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(Path.Combine(Site, page))!, target))), $"{page} links to {href}, which is not written");
            }
            foreach (var chart in charts.GetValueOrDefault(page, []))
                Assert.Matches($"<figure data-chart=\"{chart}\">\\s*<figcaption>[^<]*</figcaption>\\s*<svg", html);
        }
        var index = await File.ReadAllTextAsync(report.Path);
        Assert.Contains("&lt;img src=x onerror=alert(1)&gt;", index, StringComparison.Ordinal);
        Assert.Contains("href=\"http://127.0.0.1:9464/metrics\"", index, StringComparison.Ordinal);
        var deployments = await File.ReadAllTextAsync(Path.Combine(Site, "deployments.html"));
        Assert.Contains("sha256:" + new string('b', 64), deployments, StringComparison.Ordinal);
        Assert.Contains("threshold &lt; 0.05", deployments, StringComparison.Ordinal);
        var pipelines = await File.ReadAllTextAsync(Path.Combine(Site, "pipelines.html"));
        Assert.Contains("<td>validate</td>", pipelines, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_metrics_endpoint_carrying_a_credential_is_refused_without_showing_it()
    {
        var options = Options with { MetricsUri = [new Uri("http://ops:hunter2@127.0.0.1:9091/")] };
        var exporter = new OpsReportExporter(await StoreAsync(), _time);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => exporter.ExportAsync(options, CancellationToken.None));

        Assert.Equal("MetricsUri", error.ParamName);
        Assert.DoesNotContain("hunter2", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Site));
    }

    private async Task SeedAsync(StateStore store)
    {
        var start = _time.GetUtcNow();
        var history = new HealthHistoryStore(store);
        foreach (var (minutes, status) in new[] { (-50, HealthStatus.Healthy), (-30, HealthStatus.Unhealthy), (-10, HealthStatus.Unhealthy) })
        {
            await history.AppendAsync([new HealthCheckResult
            {
                Name = Hostile, Kind = HealthCheckKind.Http, Target = "http://127.0.0.1:1/", Status = status, RunId = "run", Timestamp = start.AddMinutes(minutes),
                Error = status == HealthStatus.Healthy ? null : "503 <b>down</b>",
            }], CancellationToken.None);
        }

        await new IncidentStore(store, _time).CreateAsync(new Incident
        {
            Id = "draft", Title = $"{Hostile} is down", Service = Hostile, Severity = HealthSeverity.Error, State = IncidentState.Triggered,
            Fingerprint = "fp", DetectedAt = start.AddMinutes(-30), OpenedAt = start.AddMinutes(-30), Timestamp = start,
            Timeline = [new IncidentTimelineEntry { Timestamp = start.AddMinutes(-30), Kind = IncidentEventKind.Detected, Actor = "ops", Message = "opened <by hand>" }],
        }, CancellationToken.None);

        var records = new DeploymentRecordStore(store, _time);
        var rollout = new RolloutResult
        {
            Name = "web", Namespace = "shop", Status = RolloutStatus.Complete, Message = "done", State = new RolloutProgress { Name = "web", Namespace = "shop", Message = "done" },
            History = [new RolloutSample { Timestamp = start.AddMinutes(-20), Desired = 3 }, new RolloutSample { Timestamp = start.AddMinutes(-19), Desired = 3, Updated = 3, Ready = 3, Available = 3 }],
        };
        var gate = new GateResult
        {
            Gate = "error-ratio", Kind = GateKind.Metric, Outcome = GateOutcome.Passed, Reason = "0.01 < 0.05", StartTime = start, Duration = TimeSpan.Zero,
            Evaluations = [.. Enumerable.Range(1, 3).Select(i => new GateEvaluation
            {
                Gate = "error-ratio", Kind = GateKind.Metric, Number = i, Timestamp = start.AddMinutes(-18 + i), Query = "q", Value = 0.01 * i, Threshold = "< 0.05",
                Verdict = GateVerdict.Pass, Message = "ok",
            })],
        };
        var validation = new DeploymentValidation
        {
            Outcome = ValidationOutcome.Passed, Reason = "passed", StartTime = start, Duration = TimeSpan.Zero, RunId = "r1", Timestamp = start, Gates = [gate],
        };
        var result = new DeploymentResult
        {
            Id = "r1", Name = "web", Namespace = "shop", Strategy = DeploymentStrategyKind.RollingUpdate, Outcome = DeploymentOutcome.Succeeded, Reason = "rolled out",
            StartTime = start.AddMinutes(-21), Duration = TimeSpan.FromMinutes(4), Rollout = rollout, Rollouts = [rollout], Validation = validation,
        };
        var started = await records.StartAsync(new DeploymentRecord
        {
            Id = "r1", Name = "web", Namespace = "shop", Strategy = "RollingUpdate", User = "ops@box", StartedAt = start.AddMinutes(-21),
        }, CancellationToken.None);
        await records.UpdateAsync(started with
        {
            Outcome = DeploymentOutcome.Succeeded, Reason = "rolled out", ImageDigest = "sha256:" + new string('b', 64), RevisionAfter = 1, EndedAt = start.AddMinutes(-17),
            DetailsJson = DeploymentDetails.From(result, [("rollout", validation)]).ToJson(),
        }, CancellationToken.None);

        var runs = new PipelineRunStore(store);
        foreach (var (id, minutes, rejected) in new[] { ("p1", -40, 0L), ("p2", -5, 3L) })
        {
            await runs.SaveAsync(new PipelineRun
            {
                RunId = id, Pipeline = "orders", Status = rejected > 0 ? PipelineRunStatus.CompletedWithRejections : PipelineRunStatus.Succeeded,
                RecordsIn = 10, Loaded = 10 - rejected, Rejected = rejected, DeadLettered = rejected, StartedAt = start.AddMinutes(minutes),
                EndedAt = start.AddMinutes(minutes + 1), Duration = TimeSpan.FromSeconds(2),
                Steps = [new PipelineStepRun { Step = "validate", Status = PipelineRunStatus.Succeeded, RecordsIn = 10, Loaded = 10 - rejected, Rejected = rejected }],
            }, Environment.ProcessId, start, CancellationToken.None);
        }
    }

    private static IEnumerable<string> Hrefs(string html) => HrefPattern().Matches(html).Select(m => System.Net.WebUtility.HtmlDecode(m.Groups[1].Value));

    [GeneratedRegex("href=\"([^\"]*)\"")]
    private static partial Regex HrefPattern();
}
