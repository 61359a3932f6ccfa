namespace OpsAutomation.Core.Configuration;

/// <summary>Reads a configuration file of any supported format into the configuration tree.</summary>
public sealed class ConfigurationFileReader
{
    private readonly Dictionary<string, IConfigurationFormat> _formats = new(StringComparer.OrdinalIgnoreCase);

    /// <param name="extraFormats">Formats beyond JSON and YAML, such as the module's psd1 reader.</param>
    public ConfigurationFileReader(IEnumerable<IConfigurationFormat>? extraFormats = null)
    {
        IConfigurationFormat[] builtIn = [new JsonConfigurationFormat(), new YamlConfigurationFormat()];
        foreach (var format in builtIn.Concat(extraFormats ?? []))
            foreach (var extension in format.Extensions)
                _formats[extension] = format;
    }

    /// <summary>Reads <paramref name="path"/>; the root must be a map.</summary>
    /// <remarks>Synchronous on purpose: configuration files are small, and tab completion must read them too.</remarks>
    public Dictionary<string, object?> ReadMap(string path)
    {
        var extension = Path.GetExtension(path);
        if (!_formats.TryGetValue(extension, out var format))
        {
            var known = string.Join(", ", _formats.Keys.Order(StringComparer.OrdinalIgnoreCase));
            throw new ConfigurationException($"unknown file type '{extension}'; use one of {known}", path);
        }

        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ConfigurationFileNotFoundException(path, ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException($"cannot be read: {ex.Message}", path, inner: ex);
        }

        return format.Parse(text, path) switch
        {
            Dictionary<string, object?> map => map,
            null => ConfigurationTree.NewMap(),
            var other => throw new ConfigurationException($"the top level must be a map of keys, not {Describe(other)}", path),
        };
    }

    internal static string Describe(object? value) => value switch
    {
        null => "null",
        string => "a string",
        long or int or double => "a number",
        bool => "a boolean",
        IDictionary<string, object?> => "a map",
        IList<object?> => "a list",
        _ => value.GetType().Name,
    };
}
