using System.Text.RegularExpressions;

namespace OpsAutomation.Core.Deployment.Manifests;

/// <summary>
/// Expands ${NAME} (and ${NAME:-default}) in manifest values from the given variables, then the
/// environment; $${NAME} is a literal ${NAME}. An undefined variable without a default is an error
/// naming it with the file and line, never a silent empty string.
/// </summary>
internal sealed partial class ManifestVariables(IReadOnlyDictionary<string, string> variables, Func<string, string?> environment)
{
    [GeneratedRegex(@"\$\$\{|\$\{(?<name>[A-Za-z_][A-Za-z0-9_]*)(?::-(?<default>[^}]*))?\}")]
    private static partial Regex Placeholder();

    public string Expand(string value, ManifestSource source)
    {
        if (!value.Contains('$', StringComparison.Ordinal)) return value;
        return Placeholder().Replace(value, match =>
        {
            if (match.Value == "$${") return "${";
            var name = match.Groups["name"].Value;
            if (variables.TryGetValue(name, out var given)) return given;
            // As the module's other ${NAME} expansion: a variable set to the empty string counts as unset.
            if (environment(name) is { Length: > 0 } set) return set;
            if (match.Groups["default"].Success) return match.Groups["default"].Value;
            throw new ManifestException(ManifestProblem.VariableUndefined,
                $"the variable {name} is not defined: give it in -Variable or the environment, or write $${{{name}}} for a literal '${{{name}}}'", source);
        });
    }
}
