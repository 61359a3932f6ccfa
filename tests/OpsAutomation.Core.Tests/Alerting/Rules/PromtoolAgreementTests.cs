using OpsAutomation.Core.Alerting.Rules;
using OpsAutomation.Core.Tests.TestSupport;

namespace OpsAutomation.Core.Tests.Alerting.Rules;

/// <summary>The reader's verdict against the real `promtool check rules` (Debian's prometheus package) on the same files.</summary>
public sealed class PromtoolAgreementTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    public static TheoryData<string, string> Files => new()
    {
        { "valid", "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n        for: 5m\n        labels: { severity: page }\n        annotations: { summary: '{{ $labels.job }} down at {{ $value | humanize }}' }\n      - record: job:up:sum\n        expr: sum by (job) (up)\n" },
        { "bad-yaml", "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n       for: 5m\n" },
        { "missing-expr", "groups:\n  - name: g\n    rules:\n      - alert: A\n" },
        { "alert-and-record", "groups:\n  - name: g\n    rules:\n      - alert: A\n        record: b\n        expr: up\n" },
        { "bad-duration", "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        for: 5 minutes\n" },
        { "bad-label-name", "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        labels: { bad-name: x }\n" },
        { "unknown-key", "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        severity: page\n" },
        { "for-in-record", "groups:\n  - name: g\n    rules:\n      - record: a\n        expr: up\n        for: 1m\n" },
        { "repeated-group", "groups:\n  - name: g\n    rules: []\n  - name: g\n    rules: []\n" },
    };

    [Theory]
    [MemberData(nameof(Files))]
    public async Task Valid_and_invalid_agree_with_promtool(string name, string text)
    {
        var path = _directory.File(name + ".yml", text);

        var (exitCode, output) = await Promtool.RunAsync("check", "rules", path);
        var ours = RuleFileReader.Read(path);

        Assert.True((exitCode == 0) == ours.IsValid, $"promtool exit {exitCode}, ours {string.Join("; ", ours.Problems)}; promtool said: {output}");
    }

    [Fact]
    public async Task Duplicate_rules_are_flagged_as_promtool_flags_them()
    {
        var path = _directory.File("dup.yml", "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n      - alert: A\n        expr: up == 0\n");

        var (_, output) = await Promtool.RunAsync("check", "rules", path);
        var ours = RuleFileReader.Read(path);

        Assert.Contains("1 duplicate rule(s) found", output, StringComparison.Ordinal);
        Assert.Contains(ours.Problems, p => p.Message.StartsWith("duplicate rule", StringComparison.Ordinal));
    }
}
