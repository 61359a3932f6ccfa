using OpsAutomation.Core.Alerting.Rules;
using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Health;
using OpsAutomation.Core.Http;
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

public sealed class EnvironmentProxyTests
{
    private static Func<string, string?> Environment(params (string Name, string Value)[] variables) =>
        name => variables.FirstOrDefault(v => v.Name == name).Value;

    [Theory]
    [InlineData("http_proxy", "http://lower:3128", "http://target/", "http://lower:3128/")]
    [InlineData("HTTP_PROXY", "http://upper:3128", "http://target/", "http://upper:3128/")]
    [InlineData("https_proxy", "lower:3128", "https://target/", "http://lower:3128/")]
    [InlineData("HTTPS_PROXY", "http://upper:3128", "https://target/", "http://upper:3128/")]
    [InlineData("ALL_PROXY", "http://all:3128", "https://target/", "http://all:3128/")]
    [InlineData("http_proxy", "http://lower:3128", "https://target/", null)]
    public void The_proxy_of_a_scheme_comes_from_its_variable_in_either_case(string variable, string value, string destination, string? expected) =>
        Assert.Equal(expected, EnvironmentProxy.FromEnvironment(Environment((variable, value)))?.GetProxy(new Uri(destination))?.AbsoluteUri);

    [Fact]
    public void The_lower_case_variable_wins_as_curl_reads_them() =>
        Assert.Equal("http://lower:1/", EnvironmentProxy.FromEnvironment(Environment(("https_proxy", "http://lower:1"), ("HTTPS_PROXY", "http://upper:1")))!
            .GetProxy(new Uri("https://target/"))!.AbsoluteUri);

    [Theory]
    [InlineData("*", "https://anything.example/", true)]
    [InlineData("example.com", "https://example.com/", true)]
    [InlineData("example.com", "https://api.example.com/", true)]
    [InlineData(".example.com", "https://api.example.com/", true)]
    [InlineData("example.com", "https://notexample.com/", false)]
    [InlineData("10.0.0.0/8", "https://10.1.2.3/", true)]
    [InlineData("10.0.0.0/8", "https://11.1.2.3/", false)]
    [InlineData("127.0.0.1", "http://127.0.0.1:9090/", true)]
    [InlineData("127.0.0.1:9091", "http://127.0.0.1:9090/", false)]
    [InlineData("internal, 127.0.0.1:9090", "http://127.0.0.1:9090/", true)]
    public void No_proxy_bypasses_hosts_domains_ranges_and_ports(string noProxy, string destination, bool bypassed) =>
        Assert.Equal(bypassed, EnvironmentProxy.FromEnvironment(Environment(("https_proxy", "http://p:1"), ("http_proxy", "http://p:1"), ("NO_PROXY", noProxy)))!
            .IsBypassed(new Uri(destination)));

    [Fact]
    public void No_variable_means_direct_connections() =>
        Assert.Null(new HttpClientProvider(_ => null).Proxy);

    [Fact]
    public async Task Plain_http_goes_through_the_proxy_as_an_absolute_uri_request()
    {
        await using var proxy = new ForwardProxy();
        await using var site = new ScriptedHttpServer(_ => ScriptedReply.Answer(200, "via proxy"));
        using var http = new HttpClientProvider(Environment(("HTTP_PROXY", proxy.Url)));
        var probe = new HttpHealthProbe(http, TimeProvider.System);
        var definition = HealthHarness.Http(site.Url("/health")) with { BodyPattern = "via proxy" };

        var outcome = await probe.ProbeAsync(new PreparedCheck(definition, []) { DisplayTarget = definition.Target }, CancellationToken.None);

        Assert.Equal(HealthStatus.Healthy, outcome.Status);
        Assert.Equal([$"GET {site.Url("/health")}"], proxy.Seen);
    }

    [Fact]
    public async Task Https_goes_through_the_proxy_as_a_connect_tunnel()
    {
        await using var proxy = new ForwardProxy();
        using var certificate = TestCertificates.Issue(null);
        await using var site = new ScriptedHttpServer(_ => ScriptedReply.Answer(200), certificate);
        using var http = new HttpClientProvider(Environment(("https_proxy", proxy.Url)));
        var probe = new HttpHealthProbe(http, TimeProvider.System);
        var definition = HealthHarness.Http(site.Url("/health")) with { SkipCertificateCheck = true };

        var outcome = await probe.ProbeAsync(new PreparedCheck(definition, []) { DisplayTarget = definition.Target }, CancellationToken.None);

        Assert.Equal(HealthStatus.Healthy, outcome.Status);
        Assert.Equal([$"CONNECT 127.0.0.1:{site.Port}"], proxy.Seen);
    }

    [Fact]
    public async Task A_pushgateway_push_goes_through_the_proxy_and_no_proxy_sends_it_direct()
    {
        await using var proxy = new ForwardProxy();
        await using var pushgateway = new ScriptedHttpServer(_ => ScriptedReply.Answer(200, ""));
        var target = new PushgatewayTarget { BaseUri = new Uri(pushgateway.Url()), Job = "ops" };

        using (var proxied = new HttpClientProvider(Environment(("http_proxy", proxy.Url))))
            await new PushgatewayClient(proxied.Get()).PushAsync(target, [], PushMethod.Put, CancellationToken.None);
        using (var bypassing = new HttpClientProvider(Environment(("http_proxy", proxy.Url), ("no_proxy", "localhost,127.0.0.1"))))
            await new PushgatewayClient(bypassing.Get()).PushAsync(target, [], PushMethod.Put, CancellationToken.None);

        Assert.Equal([$"PUT {pushgateway.Url("/metrics/job/ops")}"], proxy.Seen);
        Assert.Equal(2, pushgateway.Requests.Count);
    }

    [Fact]
    public async Task Notifiers_openlineage_prometheus_queries_and_scrapes_go_through_the_proxy_too()
    {
        await using var proxy = new ForwardProxy();
        await using var site = new ScriptedHttpServer(request => request.Target switch
        {
            "/api/v1/query" => ScriptedReply.Answer(200, """{"status":"success","data":{"resultType":"vector","result":[]}}""", ("Content-Type", "application/json")),
            "/metrics" => ScriptedReply.Answer(200, "up 1\n", ("Content-Type", "text/plain; version=0.0.4")),
            _ => ScriptedReply.Answer(200, "{}"),
        });
        using var http = new HttpClientProvider(Environment(("http_proxy", proxy.Url)));
        using var pipelines = new ResiliencePipelineProvider(TimeProvider.System);
        var webhook = NotificationChannels.Create(new ConfigurationMap(new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Type"] = "Webhook", ["Uri"] = site.Url("/hook"),
        }, "test", "Channels[0]"), http, new SecretResolver(), null, new SecretRedactor());
        var notification = NotificationChannelTests.Firing;
        var lineage = new OpenLineageObserver(new LineageOptions { Uri = new Uri(site.Url("/api/v1/lineage")) }, http, pipelines, TimeProvider.System,
            new OpsLog("test", new OpsLogOptions(), new SecretRedactor()), new ResilienceOptions());

        Assert.True(Assert.Single(await new Notifier(pipelines, new ResilienceOptions()).SendAsync(notification, [webhook], CancellationToken.None)).Delivered);
        await lineage.RunStartedAsync(OpenLineageEventsTests.Run(PipelineRunStatus.Running), OpenLineageEventsTests.Datasets, CancellationToken.None);
        Assert.False(lineage.DeliveryFailed);
        Assert.Null((await new PrometheusQueryEngine(http, pipelines, new Uri(site.Url()), new ResilienceOptions()).QueryAsync("up", DateTimeOffset.UtcNow, CancellationToken.None)).Error);
        Assert.Single(await new MetricScraper(http, pipelines, TimeProvider.System).ScrapeAsync(new Uri(site.Url("/metrics")), new ScrapeOptions(), CancellationToken.None));

        Assert.Equal(
            [$"POST {site.Url("/hook")}", $"POST {site.Url("/api/v1/lineage")}", $"POST {site.Url("/api/v1/query")}", $"GET {site.Url("/metrics")}"],
            proxy.Seen);
    }
}
