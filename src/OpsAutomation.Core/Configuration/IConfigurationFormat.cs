namespace OpsAutomation.Core.Configuration;

/// <summary>Reads one file format into the <see cref="ConfigurationTree"/> shape.</summary>
/// <remarks>
/// JSON and YAML live in Core; the PowerShell data format (psd1) needs the PowerShell parser,
/// so the module supplies that reader through this seam.
/// </remarks>
public interface IConfigurationFormat
{
    /// <summary>File extensions handled, with the dot: ".json".</summary>
    IReadOnlyCollection<string> Extensions { get; }

    /// <summary>Parses <paramref name="text"/>; throws <see cref="ConfigurationException"/> naming <paramref name="origin"/> and the line.</summary>
    object? Parse(string text, string origin);
}
