fn main() {
    println!("bench mcp: not written yet");
}
