/// The version of this build of twind (shown by `twind --version` and written into model files).
public enum TwindVersion {
    public static let string = "0.7.0"
}
