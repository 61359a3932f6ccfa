using OpsAutomation.Core.Http;
using OpsAutomation.Core.Tests.TestSupport;
using OpsAutomation.Models.Health;
using OpsAutomation.TestServers;

namespace OpsAutomation.Core.Tests.Health;

/// <summary>What a session does with definitions before they are probed: secrets and the run's own authorization.</summary>
public sealed class HealthCheckSessionTests : IDisposable
{
    private readonly HealthHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    [Theory]
    [InlineData("env:OPS_SESSION_TEST_UNSET", "environment variable OPS_SESSION_TEST_UNSET is not set")]
    [InlineData("file:no-such-secret.txt", "the file cannot be read")]
    public async Task An_unresolved_secret_makes_that_service_unhealthy_and_the_others_are_checked(string reference, string reason)
    {
        await using var server = new FaultServer(status: 200);
        var broken = HealthHarness.Http(server.Url, "needs-secret") with { UserName = "elastic", PasswordReference = reference, Origin = "app.yaml, Services[0]" };
        var results = (await _harness.RunAsync(broken, HealthHarness.Http(server.Url, "plain"))).ToDictionary(r => r.Name);

        Assert.Equal(HealthStatus.Healthy, results["plain"].Status);
        var unresolved = results["needs-secret"];
        Assert.Equal(HealthStatus.Unhealthy, unresolved.Status);
        Assert.Equal(HealthErrorKind.Configuration, unresolved.ErrorKind);
        Assert.Equal(0, unresolved.Attempts);
        Assert.Contains($"'{reference}'", unresolved.Error);
        Assert.Contains(reason, unresolved.Error);
        Assert.Contains("app.yaml, Services[0], key 'Credential.Password'", unresolved.Error);
        Assert.Equal(1, server.Requests);
    }

    [Fact]
    public async Task The_runs_authorization_replaces_the_definitions_own_and_is_never_written()
    {
        const string Password = "prompt-pa55word";
        await using var es = await ElasticsearchStandIn.StartAsync();
        es.BasicAuth = ("ops", Password);
        var authorization = HttpAuthorization.Basic("ops", Password);
        var definition = new HealthCheckDefinition
        {
            Name = "es", Kind = HealthCheckKind.Elasticsearch, Target = es.BaseUri.AbsoluteUri, BearerTokenReference = "env:OPS_SESSION_TEST_UNSET",
            Headers = new Dictionary<string, string> { ["Authorization"] = "Bearer not-this-one" },
        };
        Assert.Equal(HealthErrorKind.Authentication, Assert.Single(await _harness.RunAsync(definition with { BearerTokenReference = null })).ErrorKind);

        // An Authorization header takes the place of the definition's credentials, rather than going with them.
        var header = new Dictionary<string, string> { ["Authorization"] = authorization.ToString() };
        Assert.Equal(HealthStatus.Healthy, Assert.Single(await _harness.RunAsync(definition with { Name = "by-header", Headers = header, UserName = "elastic", PasswordReference = "env:OPS_SESSION_TEST_UNSET" })).Status);

        _harness.Configure = options => options with { Authorization = authorization };
        var result = Assert.Single(await _harness.RunAsync(definition));
        Assert.Equal(HealthStatus.Healthy, result.Status);
        Assert.DoesNotContain(authorization.Parameter!, string.Join('\n', _harness.LogLines));
    }
}
