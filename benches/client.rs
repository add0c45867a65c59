fn main() {
    println!("bench client: not written yet");
}
