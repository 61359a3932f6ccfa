using OpsAutomation.Core.Alerting.Rules;

namespace OpsAutomation.Core.Tests.Alerting.Rules;

public sealed class RuleTemplateTests
{
    private static readonly Dictionary<string, string> Labels = new() { ["service"] = "api", ["job"] = "web" };

    [Theory]
    [InlineData("{{ $labels.service }} is down", 1, "api is down")]
    [InlineData("{{.Labels.job}} = {{.Value}}", 2.5, "web = 2.5")]
    [InlineData("missing: '{{ $labels.nope }}'", 0, "missing: ''")]
    [InlineData("{{ $value }}", 1e6, "1e+06")]
    [InlineData("{{ $value }}", 123456, "123456")]
    [InlineData("{{ $value }}", 0.0001, "0.0001")]
    [InlineData("{{ $value }}", 0.00001, "1e-05")]
    [InlineData("{{ $value | humanize }}", 1234567, "1.235M")]
    [InlineData("{{ humanize $value }}", 0.0123, "12.3m")]
    [InlineData("{{ $value | humanize1024 }}", 2048, "2ki")]
    [InlineData("{{ $value | humanizePercentage }}", 0.1234, "12.34%")]
    [InlineData("{{ $value | humanizeDuration }}", 93784, "1d 2h 3m 4s")]
    [InlineData("{{ $value | humanizeDuration }}", 1.5, "1.5s")]
    [InlineData("{{ $value | humanizeDuration }}", 0.25, "250ms")]
    [InlineData("{{ $value | printf \"%.1f\" }} days", 2.46, "2.5 days")]
    [InlineData("{{ printf \"%.2f%%\" $value }}", 99.5, "99.50%")]
    [InlineData("{{ $labels.service | toUpper }}", 0, "API")]
    [InlineData("a  {{- $labels.job -}}  b{{/* note */}}", 0, "awebb")]
    public void Common_forms_expand_as_prometheus_does(string template, double value, string expected) =>
        Assert.Equal(expected, RuleTemplate.Parse(template).Expand(Labels, value));

    [Theory]
    [InlineData("{{ if gt $value 1.0 }}high{{ end }}", "'if'")]
    [InlineData("{{ query \"up\" }}", "'query'")]
    [InlineData("{{ $x := 1 }}", "':='")]
    [InlineData("{{ $externalLabels.cluster }}", "'$externalLabels.cluster'")]
    [InlineData("{{ (humanize $value) }}", "'('")]
    [InlineData("{{ $value | printf \"%d\" }}", "'%d'")]
    [InlineData("{{ $labels.service", "unclosed action")]
    public void Unsupported_constructs_are_refused_with_the_construct_named(string template, string named)
    {
        var error = Record.Exception(() => RuleTemplate.Parse(template).Expand(Labels, 1));
        Assert.IsType<RuleTemplateException>(error);
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }
}
