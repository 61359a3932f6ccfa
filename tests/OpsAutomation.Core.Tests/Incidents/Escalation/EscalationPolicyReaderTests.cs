using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Http;
using OpsAutomation.Core.Incidents.Escalation;
using OpsAutomation.Core.Logging;
using OpsAutomation.Core.Notifications;
using OpsAutomation.Core.Tests.TestSupport;
using OpsAutomation.Models.Health;

namespace OpsAutomation.Core.Tests.Incidents.Escalation;

/// <summary>Policy files as people write them (YAML here; psd1 goes through the same tree), and every mistake located.</summary>
public sealed class EscalationPolicyReaderTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly HttpClientProvider _http = new();

    public void Dispose()
    {
        _http.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public void A_file_reads_into_policies_with_levels_delays_and_channels()
    {
        var set = Read("""
            ReportUrl: https://ops.example.com/incidents/{id}
            RetryAfter: 5m
            Policies:
              - Name: checkout
                Service: checkout*
                MinimumSeverity: Error
                Levels:
                  - Channels: [{ Type: Slack, Uri: env:SLACK }]
                  - Delay: 15m
                    Channels: [{ Type: PagerDuty, RoutingKey: env:PD }]
                  - Delay: 3600
                    From: Opened
                    Channels: [{ Type: Alertmanager, Uri: http://127.0.0.1:9093 }, { Type: Webhook, Uri: http://127.0.0.1:8080/hook }]
                Repeat: { Count: 2, Delay: 30m }
              - Name: everything-else
                Levels:
                  - Delay: 1h30m
                    Channels: [{ Type: Teams, Uri: env:TEAMS }]
            """);

        Assert.Equal(TimeSpan.FromMinutes(5), set.RetryAfter);
        var checkout = set.Policies[0];
        Assert.Equal(("checkout", "checkout*", HealthSeverity.Error, 2, TimeSpan.FromMinutes(30)),
            (checkout.Name, checkout.Service, checkout.MinimumSeverity, checkout.RepeatCount, checkout.RepeatDelay));
        Assert.Equal([TimeSpan.Zero, TimeSpan.FromMinutes(15), TimeSpan.FromHours(1)], checkout.Levels.Select(l => l.Delay));
        Assert.Equal(TimeSpan.FromMinutes(45), checkout.Levels[2].Gap);
        Assert.Equal(["Slack"], checkout.Levels[0].Channels.Select(c => c.Name));
        Assert.Equal(9, checkout.StepCount);
        Assert.Equal("https://ops.example.com/incidents/{id}", checkout.ReportUrl);
        Assert.Equal(("*", HealthSeverity.Info, TimeSpan.FromMinutes(90)), (set.Policies[1].Service, set.Policies[1].MinimumSeverity, set.Policies[1].Levels[0].Delay));
    }

    [Theory]
    [InlineData("Policies: []", "key 'Policies': must hold at least one policy")]
    [InlineData("Policy: []", "key 'Policy': unknown key")]
    [InlineData("Policies: [{ Levels: [{ Channels: [{ Type: Slack, Uri: env:SLACK }] }] }]", "key 'Policies[0].Name': is required")]
    [InlineData("Policies: [{ Name: a }]", "key 'Policies[0].Levels': is required")]
    [InlineData("Policies: [{ Name: a, Levels: [] }]", "key 'Policies[0].Levels': must hold at least one level")]
    [InlineData("Policies: [{ Name: a, Levels: [{ Delay: 5m }] }]", "key 'Policies[0].Levels[0].Channels': is required")]
    [InlineData("Policies: [{ Name: a, Levels: [{ Channels: [] }] }]", "key 'Policies[0].Levels[0].Channels': must hold at least one channel")]
    [InlineData("Policies: [{ Name: a, Levels: [{ Delay: soon, Channels: [{ Type: Slack, Uri: env:SLACK }] }] }]", "key 'Policies[0].Levels[0].Delay': must be a duration such as 90s, 15m or 1h30m, or a number of seconds, not 'soon'")]
    [InlineData("Policies: [{ Name: a, Levels: [{ Delay: -5, Channels: [{ Type: Slack, Uri: env:SLACK }] }] }]", "key 'Policies[0].Levels[0].Delay'")]
    [InlineData("Policies: [{ Name: a, Levels: [{ Delay: 60d, Channels: [{ Type: Slack, Uri: env:SLACK }] }] }]", "key 'Policies[0].Levels[0].Delay': 60d 0h is out of range")]
    [InlineData("Policies: [{ Name: a, Levels: [{ Dealy: 5m, Channels: [{ Type: Slack, Uri: env:SLACK }] }] }]", "key 'Policies[0].Levels[0].Dealy': unknown key")]
    [InlineData("Policies: [{ Name: a, Levels: [{ From: Later, Channels: [{ Type: Slack, Uri: env:SLACK }] }] }]", "key 'Policies[0].Levels[0].From': unknown delay origin 'Later'")]
    [InlineData("Policies: [{ Name: a, Levels: [{ Channels: [{ Type: Pager, Uri: env:SLACK }] }] }]", "key 'Policies[0].Levels[0].Channels[0].Type': unknown channel type 'Pager'")]
    [InlineData("Policies: [{ Name: a, Levels: [{ Channels: [{ Type: PagerDuty, RoutingKey: 0123456789abcdef0123456789abcdef }] }] }]", "key 'Policies[0].Levels[0].Channels[0].RoutingKey': a PagerDuty RoutingKey is a secret")]
    [InlineData("Policies: [{ Name: a, Levels: [{ Channels: [{ Type: Alertmanager, Uri: 'localhost:9093' }] }] }]", "key 'Policies[0].Levels[0].Channels[0].Uri': is not an absolute http(s) URL")]
    [InlineData("Policies: [{ Name: a, Levels: [{ Channels: [{ Type: Slack, Uri: env:SLACK }, { Type: Slack, Uri: env:SLACK }] }] }]", "key 'Policies[0].Levels[0].Channels': name Slack twice")]
    [InlineData("Policies: [{ Name: a, Levels: [{ Delay: 1h, Channels: [{ Type: Slack, Uri: env:SLACK }] }, { Delay: 30m, From: Opened, Channels: [{ Type: Slack, Uri: env:SLACK }] }] }]", "key 'Policies[0].Levels[1].Delay': 30m 00s after the opening comes before level 1")]
    [InlineData("Policies: [{ Name: a, MinimumSeverity: Huge, Levels: [{ Channels: [{ Type: Slack, Uri: env:SLACK }] }] }]", "key 'Policies[0].MinimumSeverity': unknown severity 'Huge'")]
    [InlineData("Policies: [{ Name: a, Repeat: { Count: 2 }, Levels: [{ Channels: [{ Type: Slack, Uri: env:SLACK }] }] }]", "key 'Policies[0].Repeat.Delay': is required with Count")]
    [InlineData("Policies: [{ Name: a, Repeat: { Count: 500, Delay: 1m }, Levels: [{ Channels: [{ Type: Slack, Uri: env:SLACK }] }] }]", "key 'Policies[0].Repeat.Count': 500 is out of range")]
    [InlineData("Policies: [{ Name: a, ReportUrl: 'reports/{id}', Levels: [{ Channels: [{ Type: Slack, Uri: env:SLACK }] }] }]", "key 'Policies[0].ReportUrl': is not an absolute http(s) URL")]
    [InlineData("Policies: [{ Name: a, Levels: [{ Channels: [{ Type: Slack, Uri: env:SLACK }] }] }, { Name: A, Levels: [{ Channels: [{ Type: Slack, Uri: env:SLACK }] }] }]", "key 'Policies[1].Name': 'A' is the name of an earlier policy")]
    [InlineData("Policies: [{ Name: a, Levels: [ 5m ] }]", "key 'Policies[0].Levels[0]': must be a map of keys")]
    public void A_bad_policy_file_is_a_located_error(string yaml, string expected)
    {
        var error = Assert.Throws<ConfigurationException>(() => Read(yaml));
        Assert.Contains("escalation.yaml", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Deeply_nested_aliases_are_refused_without_exhausting_the_stack()
    {
        var yaml = "a0: &a0 [x]\n" + string.Join("\n", Enumerable.Range(1, 40).Select(i => $"a{i}: &a{i} [*a{i - 1}, *a{i - 1}]")) + "\nPolicies: *a40\n";
        Assert.ThrowsAny<ConfigurationException>(() => Read(yaml));
    }

    private EscalationPolicySet Read(string yaml)
    {
        var path = _dir.File("escalation.yaml", yaml);
        var secrets = new SecretResolver(name => name switch
        {
            "PD" => "0123456789abcdef0123456789abcdef",
            "SLACK" => "https://hooks.slack.com/services/T000/B000/XXXX",
            "TEAMS" => "https://prod.example.logic.azure.com/workflows/1",
            _ => null,
        });
        return EscalationPolicyReader.Read(path, new ConfigurationFileReader(),
            map => NotificationChannels.Create(map, _http, secrets, _dir.Path, new SecretRedactor()));
    }
}
