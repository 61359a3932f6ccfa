using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Health;
using OpsAutomation.Core.Tests.TestSupport;
using OpsAutomation.Models.Health;

namespace OpsAutomation.Core.Tests.Health;

/// <summary>HTTP checks follow redirects as blackbox_exporter and Kubernetes probes do: at most 10, a loop is a failure, and a key turns it off.</summary>
public sealed class HttpRedirectTests : IDisposable
{
    private readonly HealthHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    private static ScriptedReply Redirect(string location) => ScriptedReply.Answer(302, "", ("Location", location));

    [Fact]
    public async Task A_redirected_check_is_judged_by_where_it_ends_and_names_the_final_url()
    {
        await using var site = new ScriptedHttpServer(request => request.Target switch
        {
            "/old" => Redirect("/moved"),
            "/moved" => ScriptedReply.Answer(301, "", ("Location", "/health?ready=1")),
            _ => ScriptedReply.Answer(200, "up"),
        });

        var result = Assert.Single(await _harness.RunAsync(HealthHarness.Http(site.Url("/old")) with { BodyPattern = "^up$" }));

        Assert.Equal(HealthStatus.Healthy, result.Status);
        Assert.Equal(site.Url("/health?ready=1"), result.Details["FinalUrl"]);
        Assert.Equal(2, result.Details["Redirects"]);
    }

    [Fact]
    public async Task A_redirect_loop_is_a_typed_failure()
    {
        await using var site = new ScriptedHttpServer(request => request.Target == "/a" ? Redirect("/b") : Redirect("/a"));

        var result = Assert.Single(await _harness.RunAsync(HealthHarness.Http(site.Url("/a"))));

        Assert.Equal((HealthStatus.Unhealthy, HealthErrorKind.Redirect), (result.Status, result.ErrorKind));
        Assert.Equal($"redirect loop: {site.Url("/a")} was already visited after 2 redirects", result.Error);
    }

    [Fact]
    public async Task More_than_ten_redirects_is_a_typed_failure()
    {
        await using var site = new ScriptedHttpServer(request => Redirect("/hop" + (int.Parse(request.Target.TrimStart('/', 'h', 'o', 'p').PadLeft(1, '0'),
            System.Globalization.CultureInfo.InvariantCulture) + 1)));

        var result = Assert.Single(await _harness.RunAsync(HealthHarness.Http(site.Url("/hop0"))));

        Assert.Equal((HealthStatus.Unhealthy, HealthErrorKind.Redirect), (result.Status, result.ErrorKind));
        Assert.Equal($"stopped after 10 redirects; the last pointed to {site.Url("/hop11")}", result.Error);
        Assert.Equal(11, site.Requests.Count);
    }

    [Fact]
    public async Task With_following_off_a_redirect_is_judged_as_it_is()
    {
        await using var site = new ScriptedHttpServer(request => request.Target == "/old" ? Redirect("/health") : ScriptedReply.Answer(200));

        var result = Assert.Single(await _harness.RunAsync(HealthHarness.Http(site.Url("/old")) with { FollowRedirects = false }));

        Assert.Equal((HealthStatus.Unhealthy, HealthErrorKind.HttpStatus, 302), (result.Status, result.ErrorKind, result.StatusCode));
        Assert.Single(site.Requests);
    }

    [Fact]
    public async Task Credentials_follow_a_redirect_on_the_same_host_and_port_only()
    {
        await using var elsewhere = new ScriptedHttpServer(_ => ScriptedReply.Answer(200));
        await using var site = new ScriptedHttpServer(request => request.Target switch
        {
            "/start" => Redirect("/same"),
            "/same" => Redirect(elsewhere.Url("/other")),
            _ => ScriptedReply.Answer(404),
        });
        var definition = HealthHarness.Http(site.Url("/start")) with { Headers = new Dictionary<string, string> { ["Authorization"] = "env:OPS_TEST_REDIRECT_TOKEN" } };

        var results = await _harness.RunAsync([definition], CancellationToken.None, name => name == "OPS_TEST_REDIRECT_TOKEN" ? "Bearer t0ken-value" : null);

        Assert.Equal(HealthStatus.Healthy, Assert.Single(results).Status);
        Assert.All(site.Requests, r => Assert.Equal("Bearer t0ken-value", r.Headers["Authorization"]));
        Assert.False(Assert.Single(elsewhere.Requests).Headers.ContainsKey("Authorization"));
    }

    [Theory]
    [InlineData(null, null, true)]
    [InlineData(false, null, false)]
    [InlineData(null, false, false)]
    [InlineData(true, false, true)]
    public void FollowRedirects_is_a_catalog_key_and_a_default(bool? entryValue, bool? defaultValue, bool expected)
    {
        var entry = ConfigurationTree.NewMap();
        entry["Uri"] = "http://127.0.0.1:1/";
        if (entryValue is { } e) entry["FollowRedirects"] = e;
        var defaults = ConfigurationTree.NewMap();
        if (defaultValue is { } d) defaults["FollowRedirects"] = d;

        var definition = HealthCheckDefinitionBinder.Bind(new ConfigurationMap(entry, "catalog.psd1", "Services[0]"), null, _harness.Settings,
            defaults: new ConfigurationMap(defaults, "catalog.psd1", "Defaults"));

        Assert.Equal(expected, definition.FollowRedirects);
    }
}
