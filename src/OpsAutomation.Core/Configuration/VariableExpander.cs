using System.Text.RegularExpressions;

namespace OpsAutomation.Core.Configuration;

/// <summary>
/// Expands <c>${NAME}</c> and <c>${NAME:-default}</c> in non-secret values, as a shell and
/// docker compose do, so one catalog serves every environment.
/// </summary>
public static partial class VariableExpander
{
    [GeneratedRegex(@"\$\{(?<name>[A-Za-z_][A-Za-z0-9_]*)(?::-(?<default>[^}]*))?\}")]
    private static partial Regex Placeholder();

    /// <summary>Expands placeholders; an unset variable without a default is an error naming it.</summary>
    public static string Expand(string value, string origin, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        return Placeholder().Replace(value, match =>
        {
            var name = match.Groups["name"].Value;
            var set = environment(name);
            if (!string.IsNullOrEmpty(set)) return set;
            if (match.Groups["default"].Success) return match.Groups["default"].Value;
            throw new ConfigurationException($"environment variable {name} is not set and '{match.Value}' gives no default", origin);
        });
    }
}
