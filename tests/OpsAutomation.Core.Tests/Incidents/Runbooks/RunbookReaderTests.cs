using System.Text;
using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Deployment.Validation;
using OpsAutomation.Core.Incidents.Runbooks;
using OpsAutomation.Core.Tests.TestSupport;
using OpsAutomation.Models.Health;
using OpsAutomation.Models.Incidents;

namespace OpsAutomation.Core.Tests.Incidents.Runbooks;

/// <summary>Runbook files: what a good one becomes, and every mistake as an error naming the file, the key path, the runbook and the step.</summary>
public sealed class RunbookReaderTests : IDisposable
{
    private readonly HealthHarness _health = new();
    private readonly TempDirectory _files = new();

    public void Dispose()
    {
        _health.Dispose();
        _files.Dispose();
    }

    private RunbookFile Read(string name, string text) =>
        RunbookReader.Read(_files.File(name, text), _health.Runtime.Configuration,
            section => new ValidationSpecReader(_health.Runtime.Configuration, _health.Settings, _files.Path).ReadHealthGate(section, "verify"));

    [Fact]
    public void A_good_file_becomes_runbooks_with_their_match_steps_limits_and_verification()
    {
        var file = Read("good.yaml", """
            Runbooks:
            - Name: web-crashloop
              Match:
                Service: [web, "web-*"]
                Severity: Error
                SignalKind: [Health, Deployment]
                Fingerprint: "health:*"
              Steps:
              - Name: restart
                Action: RestartDeployment
                Deployment: ${Service}
                Namespace: shop
                RateLimit: { Count: 3, WindowSec: 3600 }
              - Action: RollbackDeployment
                Deployment: ${Service}
                Condition: 'previous.outcome == "RateLimited"'
                ContinueOnError: true
              Verify: { Uri: "http://127.0.0.1:1/healthz", SuccessCount: 3, IntervalSec: 5, WindowSec: 60 }
            - Name: catalog-verified
              Steps: [{ Action: Webhook, Uri: "https://hooks.example.com/x" }]
              Verify: { SuccessCount: 2 }
            """);

        Assert.Equal(["web-crashloop", "catalog-verified"], file.Runbooks.Select(r => r.Name));
        var web = file.Runbooks[0];
        Assert.Equal(["web", "web-*"], web.Match.Services);
        Assert.Equal(HealthSeverity.Error, web.Match.Severity);
        Assert.Equal([IncidentSignalKind.Health, IncidentSignalKind.Deployment], web.Match.SignalKinds);
        Assert.Equal(["restart", "2-RollbackDeployment"], web.Steps.Select(s => s.Name));
        Assert.Equal(new RunbookRateLimit(3, TimeSpan.FromHours(1)), web.Steps[0].RateLimit);
        Assert.Equal(new RunbookRateLimit(2, TimeSpan.FromHours(1)), web.Steps[1].RateLimit);
        Assert.True(web.Steps[1].ContinueOnError);
        Assert.NotNull(web.Steps[1].Condition);
        Assert.Equal((3, TimeSpan.FromSeconds(5)), (web.Verify!.SuccessCount, web.Verify.Interval));
        Assert.Null(file.Runbooks[1].Verify);
        Assert.NotNull(file.Runbooks[1].VerifySection);
    }

    [Theory]
    [InlineData("Runbooks: [{ Name: web, Steps: [{ Action: Restart, Deployment: web }] }]",
        "key 'Runbooks[0].Steps[0].Action': runbook 'web': step 1: unknown action 'Restart'; use one of CleanDirectory, DeletePod, RestartDeployment, RollbackDeployment, RunScript, ScaleDeployment, Webhook")]
    [InlineData("Runbooks: [{ Name: web, Steps: [{ Name: up, Action: RestartDeployment }] }]",
        "key 'Runbooks[0].Steps[0].Deployment': runbook 'web': step 'up': is required and must not be empty")]
    [InlineData("Runbooks: [{ Name: web, Steps: [{ Action: ScaleDeployment, Deployment: web, Replicas: many }] }]",
        "key 'Runbooks[0].Steps[0].Replicas': runbook 'web': step 1: must be a whole number, not 'many'")]
    [InlineData("Runbooks: [{ Name: web, Steps: [{ Action: ScaleDeployment, Deployment: web, Replica: 2 }] }]",
        "key 'Runbooks[0].Steps[0].Replica': runbook 'web': step 1: unknown key; expected one of Name, Action, Condition, ContinueOnError, RateLimit, Deployment, Namespace, Replicas")]
    [InlineData("Runbooks: [{ Name: web, Steps: [{ Action: ScaleDeployment, Deployment: web }] }]",
        "key 'Runbooks[0].Steps[0].Replicas': runbook 'web': step 1: is required: the number of replicas (0 to 1000)")]
    [InlineData("Runbooks: [{ Name: web, Stepz: [] }]", "key 'Runbooks[0].Stepz': unknown key; expected one of Name, Description, Match, Steps, Verify")]
    [InlineData("Runbooks: [{ Name: web, Steps: [] }]", "key 'Runbooks[0].Steps': runbook 'web': is required: a list of one or more steps")]
    [InlineData("Runbooks: [{ Name: web, Match: { Severity: Huge }, Steps: [{ Action: Webhook, Uri: 'http://x/' }] }]",
        "key 'Runbooks[0].Match.Severity': runbook 'web': unknown severity 'Huge'; use one of Info, Warning, Error, Critical")]
    [InlineData("Runbooks: [{ Name: web, Match: { SignalKind: [Health, Pager] }, Steps: [{ Action: Webhook, Uri: 'http://x/' }] }]",
        "key 'Runbooks[0].Match.SignalKind[1]': runbook 'web': unknown signal kind 'Pager'")]
    [InlineData("Runbooks: [{ Name: web, Steps: [{ Action: Webhook, Uri: 'http://x/', Condition: 'severity is bad' }] }]",
        "key 'Runbooks[0].Steps[0].Condition': runbook 'web': step 1: 'severity is bad' has no operator")]
    [InlineData("Runbooks: [{ Name: web, Steps: [{ Action: Webhook, Uri: 'http://x/', Condition: { Either: [] } }] }]",
        "key 'Runbooks[0].Steps[0].Condition': runbook 'web': step 1: a condition map has exactly one key, All, Any or Not, not Either")]
    [InlineData("Runbooks: [{ Name: web, Steps: [{ Action: Webhook, Uri: 'http://x/', Headers: { Authorization: 'Bearer abc' } }] }]",
        "key 'Runbooks[0].Steps[0].Headers.Authorization': runbook 'web': step 1: a secret header must be a reference")]
    [InlineData("Runbooks: [{ Name: web, Steps: [{ Action: Webhook, Uri: 'ftp://x/' }] }]",
        "key 'Runbooks[0].Steps[0].Uri': runbook 'web': step 1: 'ftp://x/' is not an absolute http(s) URL")]
    [InlineData("Runbooks: [{ Name: web, Steps: [{ Action: CleanDirectory, Path: /tmp/x, Pattern: '../*' }] }]",
        "key 'Runbooks[0].Steps[0].Pattern': runbook 'web': step 1: '../*' is not a file name pattern")]
    [InlineData("Runbooks: [{ Name: web, Steps: [{ Action: CleanDirectory, Path: / }] }]",
        "key 'Runbooks[0].Steps[0].Path': runbook 'web': step 1: '/' is a file system root")]
    [InlineData("Runbooks: [{ Name: web, Steps: [{ Action: RunScript, Path: ./missing.sh }] }]",
        "key 'Runbooks[0].Steps[0].Path': runbook 'web': step 1: the script")]
    [InlineData("Runbooks: [{ Name: web, Steps: [{ Action: DeletePod, Pod: a, Deployment: b }] }]",
        "runbook 'web': step 1: give exactly one of Pod (a pod's name) or Deployment (its failing pods)")]
    [InlineData("Runbooks: [{ Name: web, Steps: [{ Action: RestartDeployment, Deployment: '${NO_SUCH_VARIABLE_RB}' }] }]",
        "runbook 'web': step 1: environment variable NO_SUCH_VARIABLE_RB is not set")]
    [InlineData("Runbooks: [{ Name: web, Steps: [{ Action: RestartDeployment, Deployment: web, RateLimit: { Count: 0, WindowSec: 60 } }] }]",
        "key 'Runbooks[0].Steps[0].RateLimit.Count': runbook 'web': step 1: 0 is out of range")]
    [InlineData("Runbooks: [{ Name: web, Steps: [{ Action: Webhook, Uri: 'http://x/' }], Verify: { Uri: 'http://x/', Interval: 3 } }]",
        "key 'Runbooks[0].Verify.Interval': runbook 'web': unknown key")]
    [InlineData("Runbooks: [{ Name: web, Steps: [{ Action: Webhook, Uri: 'http://x/' }] }, { Name: WEB, Steps: [{ Action: Webhook, Uri: 'http://x/' }] }]",
        "key 'Runbooks[1].Name': two runbooks are named 'WEB'")]
    [InlineData("Runbooks: [{ Name: web, Steps: [{ Name: a, Action: Webhook, Uri: 'http://x/' }, { Name: A, Action: Webhook, Uri: 'http://x/' }] }]",
        "key 'Runbooks[0].Steps[1].Name': runbook 'web': two steps are named 'A'")]
    [InlineData("Other: 1", "key 'Runbooks': no runbooks")]
    public void A_mistake_is_an_error_naming_the_file_the_key_the_runbook_and_the_step(string yaml, string expected)
    {
        var ex = Assert.ThrowsAny<ConfigurationException>(() => Read("bad.yaml", yaml));

        Assert.True(ex.Message.Contains(expected, StringComparison.Ordinal), ex.Message);
        Assert.StartsWith(Path.Combine(_files.Path, "bad.yaml"), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_syntax_error_names_the_line()
    {
        var ex = Assert.ThrowsAny<ConfigurationException>(() => Read("syntax.yaml", "Runbooks:\n- Name: web\n  Steps: [ { Action: Webhook\n"));

        Assert.NotNull(ex.Line);
        Assert.Contains("syntax.yaml, line ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_says_so()
    {
        var ex = Assert.Throws<ConfigurationFileNotFoundException>(() => RunbookReader.Read(Path.Combine(_files.Path, "none.yaml"), _health.Runtime.Configuration,
            _ => throw new InvalidOperationException()));

        Assert.Contains("none.yaml: the file does not exist", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_condition_nested_past_the_limit_is_an_error_not_a_stack_overflow()
    {
        var condition = new StringBuilder("'severityLevel >= 1'");
        for (var i = 0; i < RunbookCondition.MaxDepth + 1; i++) condition.Insert(0, "{ Not: ").Append(" }");

        var ex = Assert.ThrowsAny<ConfigurationException>(() => Read("deep.yaml", $"Runbooks: [{{ Name: web, Steps: [{{ Action: Webhook, Uri: 'http://x/', Condition: {condition} }}] }}]"));

        Assert.Contains("nests deeper than 8 levels", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("deep.yaml")]
    [InlineData("deep.json")]
    public void A_file_nested_a_hundred_thousand_levels_deep_is_an_error_not_a_stack_overflow(string name)
    {
        var depth = 100_000;
        var text = name.EndsWith(".json", StringComparison.Ordinal)
            ? "{\"Runbooks\": " + new string('[', depth) + new string(']', depth) + "}"
            : "Runbooks: " + new string('[', depth) + new string(']', depth) + "\n";

        var ex = Assert.ThrowsAny<ConfigurationException>(() => Read(name, text));

        Assert.Contains(name, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_condition_at_the_depth_limit_reads_and_evaluates()
    {
        var condition = new StringBuilder("'severityLevel >= 1'");
        for (var i = 0; i < RunbookCondition.MaxDepth; i++) condition.Insert(0, "{ Not: { Not: ").Append(" } }");

        Assert.ThrowsAny<ConfigurationException>(() => Read("deep.yaml", $"Runbooks: [{{ Name: web, Steps: [{{ Action: Webhook, Uri: 'http://x/', Condition: {condition} }}] }}]"));
        var ok = new StringBuilder("'severityLevel >= 1'");
        for (var i = 0; i < RunbookCondition.MaxDepth; i++) ok.Insert(0, "{ Not: ").Append(" }");
        var file = Read("ok.yaml", $"Runbooks: [{{ Name: web, Steps: [{{ Action: Webhook, Uri: 'http://x/', Condition: {ok} }}] }}]");
        Assert.NotNull(Assert.Single(Assert.Single(file.Runbooks).Steps).Condition);
    }
}
