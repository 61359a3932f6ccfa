using System.Text.Json.Nodes;
using OpsAutomation.Core.Alerting.Rules;
using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Health;
using OpsAutomation.Core.Health.Kubernetes;
using OpsAutomation.Core.Http;
using OpsAutomation.Core.Kubernetes;
using OpsAutomation.Core.Logging;
using OpsAutomation.Core.Metrics;
using OpsAutomation.Core.Metrics.Exposition;
using OpsAutomation.Core.Notifications;
using OpsAutomation.Core.Pipelines.Observers;
using OpsAutomation.Core.Pipelines.Spec;
using OpsAutomation.Core.Resilience;
using OpsAutomation.Core.Tests.Notifications;
using OpsAutomation.Core.Tests.Pipelines.Observers;
using OpsAutomation.Core.Tests.TestSupport;
using OpsAutomation.Models.Health;
using OpsAutomation.Models.Pipelines;
using OpsAutomation.Models.Resilience;

namespace OpsAutomation.Core.Tests.Http;

/// <summary>
/// Every class of outbound call, against a server that accepts and never answers, ends by
/// itself within its configured limit (here a small one) with a timeout error that names the
/// target and the limit. Nothing here cancels the calls from outside.
/// </summary>
public sealed class OutboundTimeoutTests : IAsyncLifetime
{
    private readonly ScriptedHttpServer _silent = new(_ => ScriptedReply.Silence);
    private readonly HttpClientProvider _http = new(_ => null);
    private readonly ResiliencePipelineProvider _pipelines = new(TimeProvider.System);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _silent.DisposeAsync();
        _http.Dispose();
        _pipelines.Dispose();
    }

    [Fact]
    public async Task A_pushgateway_push_and_delete_end_at_the_targets_timeout()
    {
        var client = new PushgatewayClient(_http.Get());
        var target = new PushgatewayTarget { BaseUri = new Uri($"http://ops:pushpa55@127.0.0.1:{_silent.Port}"), Timeout = TimeSpan.FromMilliseconds(300) };

        var push = await Assert.ThrowsAsync<HttpTimeoutException>(() => client.PushAsync(target, [], PushMethod.Put, CancellationToken.None));
        var delete = await Assert.ThrowsAsync<HttpTimeoutException>(() => client.DeleteAsync(target, CancellationToken.None));

        foreach (var error in new[] { push, delete })
        {
            Assert.Equal($"Pushgateway http://[REDACTED]@127.0.0.1:{_silent.Port}/ did not answer within the 0.3 s timeout", error.Message);
        }
    }

    [Fact]
    public void The_pushgateway_timeout_comes_from_the_settings()
    {
        var settings = SettingsLoader.Load(null, name => name switch
        {
            "OPS_PUSH_GATEWAY_URI" => "http://127.0.0.1:9091",
            "OPS_PUSH_GATEWAY_TIMEOUT_SEC" => "2.5",
            _ => null,
        }, new Dictionary<string, object?>());

        Assert.Equal(TimeSpan.FromSeconds(2.5), PushgatewayTarget.FromSettings(settings)!.Timeout);
        Assert.Equal(10, new OpsSettings { StatePath = "x" }.PushGatewayTimeoutSec);
    }

    [Fact]
    public async Task A_notifier_channel_ends_at_its_TimeoutSec_and_the_delivery_says_so()
    {
        var map = new ConfigurationMap(new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Type"] = "Webhook", ["Uri"] = _silent.Url("/hook"), ["TimeoutSec"] = 0.3,
        }, "test", "Channels[0]");
        var channel = NotificationChannels.Create(map, _http, new SecretResolver(), null, new SecretRedactor());
        var notifier = new Notifier(_pipelines, new ResilienceOptions { RetryCount = 0 });
        var notification = NotificationChannelTests.Firing;

        var delivery = Assert.Single(await notifier.SendAsync(notification, [channel], CancellationToken.None));

        Assert.False(delivery.Delivered);
        Assert.Equal($"Webhook (127.0.0.1:{_silent.Port}) did not answer within the 0.3 s timeout", delivery.Error);
    }

    [Fact]
    public async Task An_openlineage_post_ends_at_the_lineage_timeout()
    {
        var log = new OpsLog("test", new OpsLogOptions(), new SecretRedactor());
        var observer = new OpenLineageObserver(new LineageOptions { Uri = new Uri(_silent.Url("/api/v1/lineage")), Timeout = TimeSpan.FromMilliseconds(300) },
            _http, _pipelines, TimeProvider.System, log, new ResilienceOptions { RetryCount = 0 });

        await observer.RunStartedAsync(OpenLineageEventsTests.Run(PipelineRunStatus.Running), OpenLineageEventsTests.Datasets, CancellationToken.None);

        Assert.Contains($"(127.0.0.1:{_silent.Port}) did not answer within the 0.3 s timeout", Assert.Single(observer.DeliveryErrors), StringComparison.Ordinal);
    }

    [Fact]
    public void The_lineage_timeout_is_read_from_the_spec()
    {
        var spec = new ConfigurationMap(new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Uri"] = "http://127.0.0.1:5000/api/v1/lineage", ["TimeoutSec"] = 4.0,
        }, "spec.psd1", "Lineage");

        Assert.Equal(TimeSpan.FromSeconds(4), PipelineSpecReader.ReadLineage(spec, ".").Timeout);
    }

    [Fact]
    public async Task A_prometheus_query_ends_at_its_timeout_with_a_reason_naming_the_masked_target()
    {
        var engine = new PrometheusQueryEngine(_http, _pipelines, new Uri($"http://ops:querypa55@127.0.0.1:{_silent.Port}/"),
            new ResilienceOptions { AttemptTimeout = TimeSpan.FromMilliseconds(300) });

        var result = await engine.QueryAsync("up", DateTimeOffset.UtcNow, CancellationToken.None);

        Assert.Contains($"http://[REDACTED]@127.0.0.1:{_silent.Port}/api/v1/query did not answer within", result.Error);
        Assert.Contains("0.3 s", result.Error);
        Assert.DoesNotContain("querypa55", result.Error);
    }

    [Fact]
    public async Task A_prometheus_answer_over_its_size_limit_is_a_reason_naming_the_limit()
    {
        await using var verbose = new ScriptedHttpServer(_ => ScriptedReply.Answer(200,
            $$"""{"status":"success","data":{"resultType":"vector","result":[]},"padding":"{{new string('x', 5000)}}"}""", ("Content-Type", "application/json")));
        var engine = new PrometheusQueryEngine(_http, _pipelines, new Uri(verbose.Url()), new ResilienceOptions(), maxResponseBytes: 4096);

        var result = await engine.QueryAsync("up", DateTimeOffset.UtcNow, CancellationToken.None);

        Assert.Equal($"{verbose.Url("/api/v1/query")} answered with a body larger than the 4 KiB limit; reading stopped there", result.Error);
        Assert.Single(verbose.Requests);
    }

    [Fact]
    public async Task A_scrape_ends_at_its_timeout_even_while_the_body_trickles()
    {
        await using var trickling = new ScriptedHttpServer(_ => ScriptedReply.Trickle(TimeSpan.FromMilliseconds(50)));
        var scraper = new MetricScraper(_http, _pipelines, TimeProvider.System);

        var error = await Assert.ThrowsAsync<ScrapeFailedException>(() =>
            scraper.ScrapeAsync(new Uri(trickling.Url("/metrics")), new ScrapeOptions { Timeout = TimeSpan.FromMilliseconds(500) }, CancellationToken.None));

        Assert.Equal($"{trickling.Url("/metrics")} did not answer within the 0.5 s timeout", error.Message);
        Assert.IsType<HttpTimeoutException>(error.InnerException);
    }

    [Fact]
    public async Task A_scrape_over_its_size_limit_fails_naming_the_limit()
    {
        await using var endless = new ScriptedHttpServer(_ => ScriptedReply.Endless);
        var scraper = new MetricScraper(_http, _pipelines, TimeProvider.System);

        var error = await Assert.ThrowsAsync<ScrapeFailedException>(() => scraper.ScrapeAsync(new Uri(endless.Url("/metrics")),
            new ScrapeOptions { Timeout = TimeSpan.FromMinutes(2), MaxResponseBytes = 2 * HttpLimits.MiB }, CancellationToken.None));

        Assert.Contains("larger than the 2 MiB limit", error.Message);
    }

    [Fact]
    public async Task An_http_check_ends_at_its_timeout_on_its_own()
    {
        var probe = new HttpHealthProbe(_http, TimeProvider.System);
        var definition = HealthHarness.Http(_silent.Url("/health"), timeoutSec: 0.3);

        var error = await Assert.ThrowsAsync<HttpTimeoutException>(() =>
            probe.ProbeAsync(new PreparedCheck(definition, []) { DisplayTarget = definition.Target }, CancellationToken.None));

        Assert.Contains("0.3 s timeout", error.Message);
        Assert.Equal((HealthStatus.Unreachable, HealthErrorKind.Timeout), ProbeFailure.Classify(error));
    }

    [Fact]
    public async Task A_kubernetes_api_check_ends_at_its_timeout_and_the_client_uses_it_too()
    {
        using var files = new TempDirectory();
        var kubeconfig = files.File("config", $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: silent
              cluster:
                server: http://127.0.0.1:{_silent.Port}
            contexts:
            - name: silent
              context:
                cluster: silent
                user: ops
            current-context: silent
            users:
            - name: ops
              user:
                token: abc
            """);
        using var clients = new KubernetesClients();
        var definition = new HealthCheckDefinition
        {
            Name = "k8s", Kind = HealthCheckKind.Kubernetes, Target = "", Kubeconfig = kubeconfig, Timeout = TimeSpan.FromMilliseconds(300),
        };

        var error = await Assert.ThrowsAsync<HttpTimeoutException>(() =>
            new KubernetesApiProbe(clients).ProbeAsync(new PreparedCheck(definition, []) { DisplayTarget = "" }, CancellationToken.None));

        Assert.Equal($"Kubernetes API server 127.0.0.1:{_silent.Port} did not answer within the 0.3 s timeout", error.Message);
        // The client's own calls (workloads) stop a second after the check's timeout, not after KubernetesClient's 100 s;
        // the outer bound only keeps a failure from hanging the suite.
        var workloads = new KubernetesWorkloadProbe(clients, TimeProvider.System)
            .ProbeAsync(new PreparedCheck(definition with { Kind = HealthCheckKind.KubernetesWorkload }, []) { DisplayTarget = "" }, CancellationToken.None);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => workloads.WaitAsync(TimeSpan.FromSeconds(60)));
    }

    [Theory]
    [InlineData("io")]
    [InlineData("client")]
    public void A_cancellation_wrapped_by_the_transport_is_a_timeout(string wrapper)
    {
        // What KubernetesClient throws when its own HttpClient.Timeout ends a body read a moment before the attempt's deadline.
        Exception error = wrapper == "io"
            ? new IOException("The operation was canceled.", new OperationCanceledException())
            : new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout of 0.5 seconds elapsing.",
                new TimeoutException("The operation was canceled.", new IOException("unable to read data")));

        Assert.Equal((HealthStatus.Unreachable, HealthErrorKind.Timeout), ProbeFailure.Classify(error));
    }
}
